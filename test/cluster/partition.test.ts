// Partitioning rules without a server: the subject hash against the documented test vectors,
// and the --partitions spec parser's accepted and refused forms.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parsePartitionSpec, partitionOf } from '../../src/cluster/partition.js';

test('partitionOf matches every test vector in docs/cluster.md', () => {
  const doc = fs.readFileSync(new URL('../../../docs/cluster.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\s*\| `(".*")` \| (\d+) \| (\d+) \|$/gm)];
  assert.ok(rows.length >= 4, 'the doc has its test vectors');
  for (const [, subject, p, k] of rows) assert.equal(partitionOf(JSON.parse(subject!) as string, Number(p)), Number(k), `${subject} mod ${p}`);
});

test('a subject always lands in the same partition, below P', () => {
  for (let i = 0; i < 1000; i++) {
    const k = partitionOf(`s${i}`, 7);
    assert.ok(k >= 0 && k < 7);
    assert.equal(partitionOf(`s${i}`, 7), k);
  }
});

test('--partitions takes all, numbers and ranges, sorted without duplicates', () => {
  assert.deepEqual(parsePartitionSpec('all', 4), [0, 1, 2, 3]);
  assert.deepEqual(parsePartitionSpec('0-3,7', 8), [0, 1, 2, 3, 7]);
  assert.deepEqual(parsePartitionSpec('5, 1-2, 2', 8), [1, 2, 5]);
});

test('--partitions refuses ranges outside the stream and other text with INVALID_ARGUMENT', () => {
  for (const spec of ['0-8', '3-1', 'x', '1,,2', '-1', '']) {
    assert.throws(() => parsePartitionSpec(spec, 8), (error: Error & { code?: string }) => error.code === 'INVALID_ARGUMENT', spec);
  }
});
