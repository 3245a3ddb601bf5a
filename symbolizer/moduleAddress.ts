// Turns a runtime address into the object that holds it and the address a symbolizer expects for that
// object: absolute for ET_EXEC files, relative to the load base for ET_DYN ones (PIE and shared libraries).

import type {ElfType} from './elfType';
import {findObject, isPseudoPath, loadBase, type MappedObject} from './objectMap';

export interface ModuleAddress {
  /** The mapped file's path, a pseudo-path such as "[vdso]", or null when no mapping holds the address. */
  object: string | null;
  /** The address within the object (what addr2line takes); null when no mapping holds the address. */
  offset: bigint | null;
  /** Whether a symbolizer can read the object: an ELF file on disk. */
  symbolizable: boolean;
}

export function toModuleAddress(
  objects: readonly MappedObject[],
  address: bigint,
  elfTypeOf: (path: string) => ElfType | null,
): ModuleAddress {
  const holder = findObject(objects, address);
  if (holder === null) return {object: null, offset: null, symbolizable: false};
  if (holder.path === null) return {object: null, offset: null, symbolizable: false};
  const type = isPseudoPath(holder.path) ? null : elfTypeOf(holder.path);
  // A fixed-address executable is linked at the addresses it runs at; anything else moves with its base.
  const offset = type === 'exec' ? address : address - loadBase(objects, holder);
  return {object: holder.path, offset, symbolizable: type === 'exec' || type === 'dyn'};
}
