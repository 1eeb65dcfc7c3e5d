// bench:records — the record codec: encode, decode and hash rates for a small assertion, a vote
// and an assertion with a ~4 KiB object, and what the zero-copy views save over a full decode
// for the reads queries make (a vote's tally fields, an assertion's subject).
// Usage: node dist/bench/records.js [--duration-ms=N] (per case; default 700, ~15 s in all).
// Imports the records module directly, not src/index.ts: it measures the codec alone.
import { AssertionView, decodeRecord, encodeAndHash, encodeRecord, hashRecordBytes, prepareRecord, validateRecord, VoteView } from '../src/records/index.js';
import { consume, largeAssertion, largeObjectBytes, sink, smallAssertion, time, vote, type Timing } from './records-cases.js';

const durationArg = process.argv.find((arg) => arg.startsWith('--duration-ms='));
const durationMs = durationArg === undefined ? 700 : Number(durationArg.slice('--duration-ms='.length));
if (!Number.isSafeInteger(durationMs) || durationMs <= 0) throw new Error(`--duration-ms must be a positive integer, got ${durationArg}`);

const fixtures = [
  { label: 'small assertion', record: smallAssertion },
  { label: 'vote', record: vote },
  { label: `assertion, ${(largeObjectBytes / 1024).toFixed(1)} KiB object`, record: largeAssertion },
];

interface Row extends Timing {
  name: string;
  bytes: number;
}
const rows: Row[] = [];
const run = (name: string, bytes: number, fn: () => unknown): Timing => {
  const timing = time(fn, durationMs);
  process.stderr.write(`  ${name}: ${Math.round(timing.opsPerSec).toLocaleString('en-US')} ops/s\n`);
  rows.push({ name, bytes, ...timing });
  return timing;
};

process.stderr.write(`bench:records, ${durationMs} ms per case\n`);
for (const { label, record } of fixtures) {
  const bytes = encodeRecord(record);
  run(`encode ${label}`, bytes.length, () => encodeRecord(record));
  run(`decode ${label}`, bytes.length, () => decodeRecord(bytes));
  run(`hash ${label}`, bytes.length, () => hashRecordBytes(bytes));
}
const input = { ...smallAssertion, createdAt: undefined };
run('validate + encode + hash, small assertion (prepareRecord: the append path)', encodeRecord(smallAssertion).length, () => prepareRecord(input, 1));
run('validateRecord then encodeAndHash, small assertion (every check twice)', encodeRecord(smallAssertion).length, () => encodeAndHash(validateRecord(input, 1)));

// Views against a full decode, on a Buffer slice at an odd offset, as the KV store hands it out.
const stored = (bytes: Uint8Array): Buffer => Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
const voteBytes = stored(encodeRecord(vote));
const smallBytes = stored(encodeRecord(smallAssertion));
const largeBytes = stored(encodeRecord(largeAssertion));
const savings = [
  {
    read: "vote: assertion hash bytes, voter, stance, weight",
    view: () => { const v = new VoteView(voteBytes); return v.assertionHashBytes.length + v.voter.length + v.stance.length + v.weight; },
    decode: () => { const d = decodeRecord(voteBytes) as typeof vote; return d.assertion.length + d.voter.length + d.stance.length + d.weight; },
  },
  { read: 'small assertion: subject', view: () => new AssertionView(smallBytes).subject, decode: () => (decodeRecord(smallBytes) as typeof smallAssertion).subject },
  { read: `${fixtures[2]!.label}: subject`, view: () => new AssertionView(largeBytes).subject, decode: () => (decodeRecord(largeBytes) as typeof largeAssertion).subject },
].map((s) => ({ read: s.read, view: run(`view   ${s.read}`, 0, s.view), decode: run(`decode ${s.read}`, 0, s.decode) }));

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
const whole = (n: number): string => Math.round(n).toLocaleString('en-US');
const fixed = (n: number): string => n.toFixed(2);

consume(sink);
console.log(`\nrecords codec, Node ${process.version}, ${durationMs} ms per case`);
console.log(table(['case', 'bytes', 'ops/s', 'MB/s', 'p50 µs', 'p99 µs'], rows.filter((r) => r.bytes > 0).map((r) => [r.name, String(r.bytes), whole(r.opsPerSec), fixed((r.opsPerSec * r.bytes) / 1e6), fixed(r.p50Us), fixed(r.p99Us)])));
console.log('\nzero-copy views vs decodeRecord (bytes on a Buffer slice, as the KV store returns them)');
console.log(table(['read', 'view ops/s', 'decode ops/s', 'speed-up'], savings.map((s) => [s.read, whole(s.view.opsPerSec), whole(s.decode.opsPerSec), `${(s.view.opsPerSec / s.decode.opsPerSec).toFixed(1)}x`])));
