// A program whose allocations would not reach the hook because it brings its own allocator, read from
// programs built here: one that defines the allocator's functions, one built with AddressSanitizer, and
// ordinary ones that only call malloc (one of them taking its address, which gives malloc a value).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkHookable } from '../hookReach';
import { ownAllocatorReason } from '../ownAllocator';

const OWN_ALLOCATOR = `
#include <stddef.h>
#include <string.h>
static char arena[1 << 16];
static size_t used;
void *malloc(size_t n) { void *p = arena + used; used += (n + 15) & ~(size_t)15; return p; }
void free(void *p) { (void)p; }
int main(void) { return malloc(3) == NULL; }
`;

// A non-PIE program that stores malloc's address from its code: the linker gives malloc a canonical PLT
// entry, and the (undefined) symbol a value.
const TAKES_ADDRESS = `
#include <stdlib.h>
void *(*alloc)(size_t);
int main(void) { alloc = malloc; free(alloc(1)); return 0; }
`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmm-own-allocator-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function build(name: string, source: string, flags: string[]): string {
  const file = path.join(dir, `${name}.c`);
  fs.writeFileSync(file, source);
  execFileSync('gcc', [...flags, '-o', path.join(dir, name), file], { stdio: 'pipe' });
  return path.join(dir, name);
}

const reasonFor = (binary: string): string | null => {
  const bytes = fs.readFileSync(binary);
  return ownAllocatorReason((offset, length) => bytes.subarray(offset, offset + length));
};

test.each([['PIE', ['-fPIE', '-pie']], ['not PIE', ['-fno-pic', '-no-pie']]])('a program that defines malloc and free itself (%s)', (_name, flags) => {
  expect(reasonFor(build('own', OWN_ALLOCATOR, flags))).toBe(
    "it defines malloc and free itself (an allocator linked in, such as mimalloc, jemalloc or a sanitizer's runtime): " +
      "the loader binds every call to them there, the C library's too, before the hook (LD_PRELOAD)",
  );
});

test('a program built with AddressSanitizer', () => {
  const binary = build('asan', 'int main(void) { return 0; }\n', ['-fsanitize=address']);
  expect(reasonFor(binary)).toMatch(/^it is built with AddressSanitizer \(it needs libasan\.so\.\d+\), whose runtime replaces malloc and must be the first library loaded/);
});

test('a program that only calls malloc, even one that takes its address', () => {
  const binary = build('takes', TAKES_ADDRESS, ['-fno-pic', '-no-pie']);
  // The symbol has a value (the canonical PLT entry) but no definition: it is the C library's malloc.
  expect(execFileSync('readelf', ['--dyn-syms', '-W', binary], { encoding: 'utf8' })).toMatch(/ 0*[1-9a-f][0-9a-f]* +0 FUNC +GLOBAL DEFAULT +UND malloc/);
  expect(reasonFor(binary)).toBeNull();
  expect(reasonFor('/bin/ls')).toBeNull();
});

test('a file without section headers says nothing', () => {
  expect(ownAllocatorReason(() => Buffer.alloc(0))).toBeNull();
  const header = Buffer.alloc(64);
  expect(ownAllocatorReason((offset, length) => header.subarray(offset, offset + length))).toBeNull();
});

test('pmm refuses such a program before it runs, as a statically linked one', () => {
  const binary = build('own_refused', OWN_ALLOCATOR, []);
  expect(() => checkHookable(binary, (message) => new Error(message))).toThrow(
    new RegExp(`^cannot run ${binary} under the hook: it defines malloc and free itself .*, so its allocations could not be seen$`),
  );
});
