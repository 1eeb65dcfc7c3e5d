// docs/http-api.md's Limits table is parsed here, so it cannot drift from src/limits.ts: every
// constant it names exists, and the HTTP limits' values (sizes, times, counts) are the ones
// the table states.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import * as limits from '../../src/limits.js';

interface LimitRow {
  value: string;
  constants: string[];
}

function limitRows(): LimitRow[] {
  const doc = fs.readFileSync(new URL('../../../docs/http-api.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Limits\n'));
  assert.ok(section.length > 0, 'docs/http-api.md has a Limits section');
  const end = section.indexOf('\n## ', 1);
  return (end < 0 ? section : section.slice(0, end))
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| limit ') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.split(' | ');
      return { value: cells[1] ?? '', constants: [...(cells[cells.length - 1] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1]!) };
    });
}

/** The first quantity a value cell states, in the constant's unit (bytes, ms, seconds or a count). */
function statedValue(value: string, constant: string): number {
  const match = /^(\d[\d,]*)(?: (KiB|MiB|s))?/.exec(value.replace(/^[^\d]*/, ''));
  assert.ok(match !== null, `a quantity in ${JSON.stringify(value)}`);
  const n = Number(match[1]!.replace(/,/g, ''));
  const unit = match[2];
  if (/Bytes/.test(constant)) return n * (unit === 'MiB' ? 1024 * 1024 : unit === 'KiB' ? 1024 : 1);
  if (/Ms/.test(constant)) return unit === 's' ? n * 1000 : n;
  return n;
}

const checked = [
  'httpHeadersBytesMax',
  'httpRequestTimeoutMsDefault',
  'httpHeadersTimeoutMsDefault',
  'httpKeepAliveTimeoutMsDefault',
  'httpTimeoutCheckIntervalMs',
  'changesStreamsMaxDefault',
  'changesStreamsPerClientMaxDefault',
  'changesStallMsMaxDefault',
  'changesReadChunkBytes',
  'changesShutdownFlushMsMax',
  'httpRateLimitClientsMax',
];

test('every constant the Limits table names is in src/limits.ts', () => {
  const rows = limitRows();
  assert.ok(rows.length >= checked.length);
  const exported = limits as Record<string, unknown>;
  for (const row of rows) for (const name of row.constants) assert.equal(typeof exported[name], 'number', `${name} (docs/http-api.md#limits) is exported by src/limits.ts`);
});

test('the HTTP limits are stated with their values', () => {
  const exported = limits as Record<string, number>;
  const byConstant = new Map(limitRows().map((row) => [row.constants[0], row.value]));
  for (const name of checked) {
    const value = byConstant.get(name);
    assert.ok(value !== undefined, `${name} has a row of its own`);
    assert.equal(statedValue(value, name), exported[name], `${name}: ${value}`);
  }
  // The rate limiter's row states its window as its own value's second quantity.
  assert.match(byConstant.get('httpRateLimitWindowMsDefault') ?? '', new RegExp(`default ${exported.httpRateLimitWindowMsDefault! / 1000} s`));
  assert.match(byConstant.get('changesStreamsMaxDefault') ?? '', new RegExp(`Retry-After: ${exported.changesStreamsRetryAfterSeconds}`));
});
