// An ingest batch as it crosses to the apply worker: every payload copied back to back into
// one buffer; per entry five float64s (lsn, nextLsn, offset, length, handed-off flag; LSNs
// stay below 2^53); and the 32-byte hash of each handed-off record. The buffers are
// transferred, not cloned: one copy of the bytes, no per-record objects. A handed-off record
// was validated and hashed by the writer in this process, from exactly these bytes, so the
// worker reads its fields through a view instead of decoding it; any other record (replayed
// from the log after a restart) goes through the strict decoder there.
import { openView } from '../records/index.js';
import type { Counts } from '../layout/index.js';
import type { IngestEntry } from './apply.js';

export interface PackedBatch {
  meta: Float64Array;
  bytes: Uint8Array;
  hashes: Uint8Array;
}

export type ApplyRequest = { id: number; kind: 'apply'; batch: PackedBatch } | { id: number; kind: 'flushed' } | { id: number; kind: 'close' };

export type ApplyReply = { id: number; ok: true; added?: Counts } | { id: number; ok: false; message: string; code: string | undefined };

const fields = 5;
const hashBytes = 32;

export function packBatch(batch: readonly IngestEntry[]): PackedBatch {
  let total = 0;
  for (const entry of batch) total += entry.payload.length;
  const meta = new Float64Array(batch.length * fields);
  const bytes = new Uint8Array(total);
  const hashes = new Uint8Array(batch.length * hashBytes);
  let offset = 0;
  batch.forEach((entry, i) => {
    meta[i * fields] = entry.lsn;
    meta[i * fields + 1] = entry.nextLsn;
    meta[i * fields + 2] = offset;
    meta[i * fields + 3] = entry.payload.length;
    if (entry.prepared !== undefined) {
      meta[i * fields + 4] = 1;
      hashes.set(entry.prepared.hashBytes, i * hashBytes);
    }
    bytes.set(entry.payload, offset);
    offset += entry.payload.length;
  });
  return { meta, bytes, hashes };
}

export function unpackBatch({ meta, bytes, hashes }: PackedBatch): IngestEntry[] {
  const entries: IngestEntry[] = [];
  for (let i = 0, n = 0; i < meta.length; i += fields, n++) {
    const offset = meta[i + 2]!;
    const payload = bytes.subarray(offset, offset + meta[i + 3]!);
    let prepared: IngestEntry['prepared'];
    if (meta[i + 4] === 1) {
      try {
        prepared = { record: openView(payload), hashBytes: hashes.subarray(n * hashBytes, (n + 1) * hashBytes) };
      } catch {
        prepared = undefined; // cannot happen for bytes the writer encoded; the decoder will say why
      }
    }
    entries.push({ lsn: meta[i]!, nextLsn: meta[i + 1]!, payload, prepared });
  }
  return entries;
}
