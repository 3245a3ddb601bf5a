// A program's stdout or stderr as a run keeps it: the first OUTPUT_CAP_BYTES, the rest read and dropped
// (pmd keeps the same in the VM). Host mode collects this way, and so does the host for a VM run whose
// output pmd streamed.
import { OUTPUT_CAP_BYTES } from './types';

export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  truncated = false;

  add(chunk: Buffer): void {
    const room = OUTPUT_CAP_BYTES - this.length;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.length += kept.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
