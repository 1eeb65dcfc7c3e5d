// The "Limits" table of docs/http-api.md cannot drift from the code: every constant it names
// exists in src/limits.ts with the value its row states, and every error it promises is one
// the API documents in its error table.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as limits from '../../src/limits.js';

const doc = fs.readFileSync(path.join(process.cwd(), 'docs', 'http-api.md'), 'utf8');
const limitsSection = doc.slice(doc.indexOf('## Limits'));
const rows = limitsSection
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| bound') && !line.startsWith('|---'))
  .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, '')));

const KiB = 1024;
const MiB = 1024 * KiB;
/** The ways the table writes a number: 4,096; 16 KiB; 16 MiB. */
function renderings(value: number): string[] {
  const forms = [value.toLocaleString('en-US')];
  if (value % MiB === 0) forms.push(`${value / MiB} MiB`);
  if (value % KiB === 0) forms.push(`${value / KiB} KiB`);
  return forms;
}

test('the Limits table has one row per bound, four columns each', () => {
  assert.ok(rows.length >= 15, `${rows.length} rows`);
  for (const row of rows) assert.equal(row.length, 4, row.join(' | '));
});

test('every constant a row names exists in src/limits.ts, with the value the row states', () => {
  const table = limits as unknown as Record<string, unknown>;
  let named = 0;
  for (const [bound, value, setBy] of rows) {
    for (const [, name] of setBy!.matchAll(/`([a-z][A-Za-z]+)`/g)) {
      if (name === 'createServer' || name === 'bodyLimitBytes' || name === 'recordBytesMax') continue; // options, not constants
      const constant = table[name!];
      assert.equal(typeof constant, 'number', `${bound}: ${name} is not a limit in src/limits.ts`);
      assert.ok(renderings(constant as number).some((form) => value!.includes(form)), `${bound}: "${value}" does not state ${name} = ${String(constant)}`);
      named += 1;
    }
  }
  assert.ok(named >= 15, `${named} constants checked`);
});

test('every error a row promises is in the API\'s error table (or is an MCP tool error)', () => {
  const errors = doc.slice(doc.indexOf('## Errors'), doc.indexOf('### Cluster mode'));
  const documented = new Set([...errors.matchAll(/^\| \d{3} \| `([A-Z_]+)`/gm)].map((match) => match[1]));
  for (const [bound, , , past] of rows) {
    const codes = [...past!.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]!);
    assert.ok(codes.length > 0, `${bound}: names the error`);
    for (const code of codes) assert.ok(past!.startsWith('tool error') || documented.has(code), `${bound}: ${code} is not in the error table`);
  }
});
