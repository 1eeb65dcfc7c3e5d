// Runs the compiled test suite with node's built-in runner (node:test).
//   node scripts/run-tests.mjs            every dist/test/**/*.test.js
//   node scripts/run-tests.mjs --soak     only the crash suites, with hundreds of kill cycles
//   node scripts/run-tests.mjs wal db     only files whose path contains "wal" or "db"
// Listing files ourselves (instead of a glob) works on every Node from 20 on.
//
// Bounded: every test gets --test-timeout (testTimeoutMs below, or STEMEDB_TEST_TIMEOUT_MS), so a
// hung test fails the run instead of hanging it. On Node 20 the runner applies it to each file
// as a whole too, so it must also exceed the slowest file (the crash suites: ~35 s at 20 cycles).
// Replayable: one seed (STEMEDB_TEST_SEED, drawn here when unset) goes to every file, and is
// printed when the run fails, even when a file was killed for its timeout and could not say it.
import { randomInt } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Per test and per file. The soak's crash suites stop themselves at 30 minutes; this is later, so they report first. */
const testTimeoutMs = 120_000;
const soakTestTimeoutMs = 35 * 60_000;
/** The largest seed test/support/seed.ts accepts (fast-check's seeds are 32-bit). */
const testSeedMax = 2 ** 31 - 1;

const args = process.argv.slice(2);
const soak = args.includes('--soak');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let files = walk('dist/test').filter((f) => f.endsWith(soak ? '.crash.test.js' : '.test.js'));
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}

const env = { ...process.env };
if (soak) env.STEMEDB_CRASH_CYCLES ??= '300';
env.STEMEDB_TEST_SEED ||= String(randomInt(testSeedMax + 1)); // the files check its form
const timeoutText = env.STEMEDB_TEST_TIMEOUT_MS || String(soak ? soakTestTimeoutMs : testTimeoutMs);
if (!/^[1-9]\d*$/.test(timeoutText)) {
  console.error(`run-tests: STEMEDB_TEST_TIMEOUT_MS must be a positive integer of milliseconds, got ${JSON.stringify(timeoutText)}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', `--test-timeout=${timeoutText}`, ...files], {
  stdio: 'inherit',
  env,
});
if (result.status !== 0) {
  console.error(`run-tests: failed; STEMEDB_TEST_SEED=${env.STEMEDB_TEST_SEED} replays the randomised tests (timeout ${timeoutText} ms per test)`);
}
process.exit(result.status ?? 1);
