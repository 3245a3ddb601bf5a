// Node's core modules as pmm's host side (harness/, qemu/, symbolizer/) uses them: copies taken when pmm
// loads. Jest sandboxes no core module, so a test's jest.spyOn(fs, 'existsSync') changes the object pmm's
// environment has too; pmm, which looked fs.existsSync or child_process.spawn up when it called it, ran the
// test's mock, its run failed, and the test's leak went unreported. Jest loads the environment before the
// test file's code runs, so the copies hold Node's own functions.
import childProcessModule = require('child_process');
import cryptoModule = require('crypto');
import fsModule = require('fs');
import netModule = require('net');
import osModule = require('os');
import pathModule = require('path');
import readlineModule = require('readline');
import workerThreadsModule = require('worker_threads');

/** The module's properties as they are now, frozen: what later replaces one on the module does not reach it. */
function copyOf<T extends object>(module: T): Readonly<T> {
  return Object.freeze({ ...module });
}

export const childProcess = copyOf(childProcessModule);
export const crypto = copyOf(cryptoModule);
export const fs = copyOf(fsModule);
export const net = copyOf(netModule);
export const os = copyOf(osModule);
export const path = copyOf(pathModule);
export const readline = copyOf(readlineModule);
export const workerThreads = copyOf(workerThreadsModule);

// Node (20) loads the code behind fs.rmSync on its first call, and that code keeps the fs functions it
// finds then (readdirSync, unlinkSync...): a first call while a test's spies are in place would keep the
// mocks for the rest of the process. Calling it now, on a path that cannot exist, loads it with Node's own.
// In /, which every user can search: under a TMPDIR that is a file, or that this user cannot search, the
// call threw (ENOTDIR, EACCES) as pmm loaded, and every command, --version too, ended with Node's stack.
fs.rmSync(pathModule.join('/', `pmm-no-such-file-${process.pid}-${Date.now()}`), { recursive: true, force: true });
