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

test('an --epoch on beliefs or contested that is not a number, or a --limit of 0, is a usage error', async () => {
  await assertUsageError(['beliefs', 's', '--epoch', 'latest'], /option '--epoch <id>' argument 'latest' is invalid\. must be an epoch id/);
  await assertUsageError(['contested', '--epoch', ''], /--epoch <id>.*must be an epoch id/);
  await assertUsageError(['contested', '--limit', '0'], /--limit.*must be at least 1/);
  await assertUsageError(['beliefs'], /missing required argument 'subject'/);
});

test('a malformed hash or a stance outside its choices is a usage error', async () => {
  await assertUsageError(['get', 'xyz'], /must be a record hash/);
  await assertUsageError(['vote', '--assertion', 'a'.repeat(64), '--voter', 'v', '--stance', 'maybe'], /--stance.*maybe/);
});

test('a malformed hash for retract or --supersedes is a usage error', async () => {
  await assertUsageError(['retract', 'xyz', '--source', 's'], /value 'xyz' is invalid for argument 'hash'\. must be a record hash/);
  await assertUsageError(['assert', '--subject', 's', '--predicate', 'p', '--object', '1', '--supersedes', 'A'.repeat(64)], /--supersedes.*must be a record hash/);
  await assertUsageError(['votes', 'a'.repeat(63)], /must be a record hash/);
});

test('retract without --source is a usage error', async () => {
  await assertUsageError(['retract', 'a'.repeat(64)], /required option '--source <source>' not specified/);
});

test('find --object that is not JSON text is a usage error that says to keep the quotes', async () => {
  await assertUsageError(['find', '--predicate', 'name', '--object', 'Paris'], /option '--object <json>' argument 'Paris' is invalid\. must be JSON text, where a string keeps its quotes: '"Paris"', not Paris/);
  await assertUsageError(['find', '--predicate', 'p', '--object', '{"a":1'], /--object.*must be JSON text/);
});

test('--as-of that is not a number is a usage error, on every read', async () => {
  const reads = [['get', 'a'.repeat(64)], ['subject', 's'], ['votes', 'a'.repeat(64)], ['find', '--predicate', 'p'], ['history', 's'], ['beliefs', 's']];
  for (const read of reads) await assertUsageError([...read, '--as-of', 'yesterday'], /option '--as-of <lsn>' argument 'yesterday' is invalid\. must be an LSN/);
});

test('usage errors are found before the database directory is created', (t) => {
  const data = path.join(tempDir(t), 'db');
  assert.equal(stemedb(data, ['stats', '--bogus']).status, 2);
  assert.equal(fs.existsSync(data), false);
});

test('--help works on every command and exits 0', async () => {
  const commands = [[], ['assert'], ['vote'], ['epoch'], ['epoch', 'define'], ['epoch', 'list'], ['retract'], ['get'], ['subject'], ['find'], ['history'], ['votes'], ['beliefs'], ['contested'], ['import'], ['export'], ['verify'], ['stats'], ['rebuild'], ['serve'], ['sample'], ['watch']];
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
