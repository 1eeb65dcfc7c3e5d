// The test vectors of docs/record-format.md, read from the document itself: each is an input
// record (JSON), its encoded bytes (the `offset | hex | field` rows) and its hash.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export interface Vector {
  title: string;
  input: string;
  bytes: Buffer;
  hash: string;
}

/** Reads "### Vector N: title", a json block, a text block of `offset | hex | field` rows, and "Hash: `…`". */
function readVectors(markdown: string): Vector[] {
  const pattern = /^### Vector \d+: (.+)\n[\s\S]*?```json\n(.+)\n```[\s\S]*?```text\n([\s\S]*?)```\s*Hash: `([0-9a-f]{64})`/gm;
  return [...markdown.matchAll(pattern)].map(([, title, input, rows, hash]) => {
    let hex = '';
    for (const row of rows!.trimEnd().split('\n')) {
      const [offset, bytes] = row.split('|').map((cell) => cell.trim());
      // The offset column is a check on the reader of the document, and on this parser.
      if (offset !== '') assert.equal(Number(offset), hex.length / 2, `${title}: offset column of "${row}"`);
      hex += bytes!.replaceAll(' ', '');
    }
    return { title: title!, input: input!, bytes: Buffer.from(hex, 'hex'), hash: hash! };
  });
}

const doc = readFileSync(new URL('../../../docs/record-format.md', import.meta.url), 'utf8');
export const vectors: readonly Vector[] = readVectors(doc);
