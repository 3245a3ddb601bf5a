// The object map the hook records (the text of /proc/self/maps): which mapped file holds an address.

export interface Mapping {
  start: bigint;
  end: bigint; // exclusive
  perms: string; // e.g. "r-xp"
  offset: bigint; // file offset of start
  path: string; // "" for anonymous memory; "[heap]", "[stack]" etc. for the kernel's own
}

// start-end perms offset dev inode [path]; the path may contain spaces.
const mapsLine = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+ *(.*)$/;

export function parseMaps(text: string): Mapping[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = mapsLine.exec(line);
      if (!m) throw new Error(`object map: cannot parse line ${JSON.stringify(line)}`);
      return {
        start: BigInt(`0x${m[1]}`),
        end: BigInt(`0x${m[2]}`),
        perms: m[3],
        offset: BigInt(`0x${m[4]}`),
        path: m[5],
      };
    });
}

export function findMapping(maps: readonly Mapping[], address: bigint): Mapping | undefined {
  return maps.find((m) => address >= m.start && address < m.end);
}

/**
 * Where path was loaded: the start of its mapping at file offset 0. For a PIE or a shared library
 * (first segment at address 0) an address minus this is the address that addr2line expects.
 */
export function loadBase(maps: readonly Mapping[], path: string): bigint | undefined {
  return maps.find((m) => m.path === path && m.offset === 0n)?.start;
}
