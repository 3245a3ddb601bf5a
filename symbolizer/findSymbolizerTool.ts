// Finds the symbolization tool on PATH: llvm-symbolizer (plain, or the newest llvm-symbolizer-NN that
// Debian and Ubuntu install), else binutils' addr2line.

import {fs, path} from '../harness/coreModules';

const {accessSync, constants, readdirSync, statSync} = fs;
const {delimiter, join} = path;

export type SymbolizerToolKind = 'llvm-symbolizer' | 'addr2line';

export interface SymbolizerTool {
  kind: SymbolizerToolKind;
  path: string;
}

const VERSIONED_LLVM = /^llvm-symbolizer-(\d+)$/;

export function findSymbolizerTool(
  pathEnv: string = process.env.PATH ?? '',
  prefer: SymbolizerToolKind | 'auto' = 'auto',
): SymbolizerTool | null {
  const dirs = pathEnv.split(delimiter).filter(dir => dir !== '');
  const llvm = prefer === 'addr2line' ? null : findLlvmSymbolizer(dirs);
  if (llvm !== null) return {kind: 'llvm-symbolizer', path: llvm};
  if (prefer === 'llvm-symbolizer') return null;
  const addr2line = findExecutable(dirs, 'addr2line');
  return addr2line === null ? null : {kind: 'addr2line', path: addr2line};
}

function findLlvmSymbolizer(dirs: readonly string[]): string | null {
  const plain = findExecutable(dirs, 'llvm-symbolizer');
  if (plain !== null) return plain;
  let best: {version: number; path: string} | null = null;
  for (const dir of dirs) {
    for (const name of listDir(dir)) {
      const match = VERSIONED_LLVM.exec(name);
      if (match === null) continue;
      const version = Number(match[1]);
      const path = join(dir, name);
      if ((best === null || version > best.version) && isExecutable(path)) best = {version, path};
    }
  }
  return best?.path ?? null;
}

function findExecutable(dirs: readonly string[], name: string): string | null {
  for (const dir of dirs) {
    const path = join(dir, name);
    if (isExecutable(path)) return path;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // PATH often names folders that do not exist
  }
}
