// Runs the compiled test suite with node's built-in runner (node:test).
//   node scripts/run-tests.mjs            every dist/test/**/*.test.js
//   node scripts/run-tests.mjs --soak     only the crash suites, with hundreds of kill cycles
//   node scripts/run-tests.mjs wal db     only files whose path contains "wal" or "db"
// Listing files ourselves (instead of a glob) works on every Node from 20 on.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
