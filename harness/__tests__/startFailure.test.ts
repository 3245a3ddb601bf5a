import { constants } from 'os';
import { startFailureReason } from '../startFailure';
import type { StartFailure } from '../../qemu/protocol';

const { ENOENT, EACCES, ENOEXEC } = constants.errno;
const execve = (errno: number, reason: string): StartFailure => ({ step: 'execve', errno, reason });
const noEntry = execve(ENOENT, 'No such file or directory');
const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

test.each([
  ['a #! interpreter that is missing, named', noEntry, Buffer.from('#!/usr/bin/python9\nprint(1)\n'), 'the interpreter its #! line names, /usr/bin/python9, does not exist'],
  ['its first word only, after blanks', noEntry, Buffer.from('#! /usr/bin/env  -S python9 -u\n'), 'the interpreter its #! line names, /usr/bin/env, does not exist'],
  ['a CRLF line shows its \\r', noEntry, Buffer.from('#!/bin/sh\r\necho\r\n'), 'the interpreter its #! line names, "/bin/sh\\r", does not exist'],
  ['an empty #! line', noEntry, Buffer.from('#!\n'), 'its #! line names no interpreter'],
  ['an ELF program whose loader is missing', noEntry, elf, 'the dynamic loader it was linked for (its ELF interpreter) does not exist'],
  ['a file gone since the check: the system\'s words', noEntry, null, 'No such file or directory'],
  ['any other errno: the system\'s words', execve(EACCES, 'Permission denied'), Buffer.from('#!/bin/sh\n'), 'Permission denied'],
  ['ENOEXEC (no shell to run it either)', execve(ENOEXEC, 'Exec format error'), Buffer.from('echo\n'), 'Exec format error'],
  ['its working directory', { step: 'chdir', errno: ENOENT, reason: 'No such file or directory' }, null, 'cannot enter its working directory /w: No such file or directory'],
  ['its stdin', { step: 'stdin', errno: ENOENT, reason: 'No such file or directory' }, null, 'open /dev/null for its stdin: No such file or directory'],
] as Array<[string, StartFailure, Buffer | null, string]>)('%s', (_title, failure, head, expected) => {
  expect(startFailureReason('/w', failure, head)).toBe(expected);
});
