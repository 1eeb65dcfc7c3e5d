// Usage errors through the real bin: one line on stderr starting "stemedb: USAGE:", exit 2,
// no stack trace; --help works on every command.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/temp-dir.js';
import { stemedb, stemedbAsync } from './fixtures/cli.js';

const nowhere = '/nonexistent/stemedb-usage-test';

async function assertUsageError(args: string[], pattern: RegExp): Promise<void> {
  const result = await stemedbAsync(nowhere, args);
  assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^stemedb: USAGE: [^\n]*\n$/);
  assert.match(result.stderr, pattern);
}

test('an unknown option is a usage error', async () => {
  await assertUsageError(['stats', '--bogus'], /unknown option '--bogus'/);
});

test('an unknown command is a usage error', async () => {
  await assertUsageError(['frobnicate'], /unknown command 'frobnicate'/);
});

test('a missing required option is a usage error', async () => {
  await assertUsageError(['assert', '--subject', 's', '--predicate', 'p'], /--object/);
});

test('a missing argument is a usage error', async () => {
  await assertUsageError(['get'], /missing required argument 'hash'/);
});

test('a value that is not a number is a usage error', async () => {
  await assertUsageError(['subject', 's', '--limit', 'ten'], /--limit.*'ten'.*must be a non-negative integer/);
  await assertUsageError(['epoch', 'define', '--id', '1.5', '--name', 'x'], /--id/);
  await assertUsageError(['assert', '--subject', 's', '--predicate', 'p', '--object', '1', '--confidence', 'high'], /must be a number/);
});

test('a malformed hash or a stance outside its choices is a usage error', async () => {
  await assertUsageError(['get', 'xyz'], /must be a record hash/);
  await assertUsageError(['vote', '--assertion', 'a'.repeat(64), '--voter', 'v', '--stance', 'maybe'], /--stance.*maybe/);
});

test('usage errors are found before the database directory is created', (t) => {
  const data = path.join(tempDir(t), 'db');
  assert.equal(stemedb(data, ['stats', '--bogus']).status, 2);
  assert.equal(fs.existsSync(data), false);
});

test('--help works on every command and exits 0', async () => {
  const commands = [[], ['assert'], ['vote'], ['epoch'], ['epoch', 'define'], ['epoch', 'list'], ['get'], ['subject'], ['votes'], ['import'], ['export'], ['verify'], ['stats'], ['rebuild'], ['serve'], ['sample']];
  const results = await Promise.all(commands.map((command) => stemedbAsync(nowhere, [...command, '--help'])));
  results.forEach((result, i) => {
    const command = commands[i]!;
    assert.equal(result.status, 0, `${command.join(' ')} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^Usage: stemedb${command.map((c) => ` ${c}`).join('')}`));
  });
});

test('a failure that is not a usage error prints one line and no stack trace', (t) => {
  // A file where the data directory should be: opening fails with an OS error.
  const file = path.join(tempDir(t), 'not-a-dir');
  fs.writeFileSync(file, 'x');
  const result = stemedb(file, ['stats']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^stemedb: [A-Z_]+: [^\n]*\n$/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
