// The hook's maps text keeps the objects a process closed (dlclose), after those still mapped, each run of
// their lines after a line "closed NS": when the hook found them gone, in CLOCK_REALTIME nanoseconds as a
// record's time (hooklib/pmm_maps.c). Another object may have been mapped at a closed one's address since;
// a frame recorded before the close is the closed object's, one recorded after is the later one's. Objects
// are looked up first match first (findObject), so each record's frames are looked up in the text ordered
// as that record saw it.

const CLOSED_LINE = /^closed (\d+)$/;

interface ClosedRun {
  closedNs: bigint;
  lines: string[];
}

interface MapsParts {
  mapped: string[]; // the objects mapped when the text was sent, first, and anything not in a closed run
  closed: ClosedRun[]; // in the order sent
  trailer: string[]; // an "exec PATH" line, which stays last
}

function splitMaps(mapsText: string): MapsParts {
  const parts: MapsParts = { mapped: [], closed: [], trailer: [] };
  let run: ClosedRun | null = null;
  for (const line of mapsText.split('\n')) {
    const closed = CLOSED_LINE.exec(line);
    if (closed !== null) {
      run = { closedNs: BigInt(closed[1]), lines: [] };
      parts.closed.push(run);
    } else if (line.startsWith('exec ')) {
      parts.trailer.push(line);
    } else if (run !== null) {
      run.lines.push(line);
    } else {
      parts.mapped.push(line);
    }
  }
  return parts;
}

/** The times at which the text's closed objects were found gone, sorted, without repeats. */
export function closedTimes(mapsText: string): bigint[] {
  const times = [...new Set(splitMaps(mapsText).closed.map((run) => run.closedNs))];
  return times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The maps text as a record made at timeNs saw it: the objects closed after that time (the earliest
 * closed first), then those still mapped, then those closed before it (a frame there, which cannot be,
 * would still find its object, as before closed objects were timed).
 */
export function mapsAt(mapsText: string, timeNs: bigint): string {
  const { mapped, closed, trailer } = splitMaps(mapsText);
  const after = closed.filter((run) => run.closedNs > timeNs).sort((a, b) => (a.closedNs < b.closedNs ? -1 : a.closedNs > b.closedNs ? 1 : 0));
  const before = closed.filter((run) => run.closedNs <= timeNs);
  return [...after.flatMap((run) => run.lines), ...mapped, ...before.flatMap((run) => run.lines), ...trailer].filter((line) => line !== '').join('\n') + '\n';
}

/** How many of times (sorted) are at or before timeNs: a binary search, for a run may have a million records. */
export function closedBefore(times: readonly bigint[], timeNs: bigint): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (times[middle] <= timeNs) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A record's time as a bigint, or null when it has none (0) or it is not a decimal. */
export function recordTime(timeNs: string): bigint | null {
  return /^[1-9]\d*$/.test(timeNs) ? BigInt(timeNs) : null;
}
