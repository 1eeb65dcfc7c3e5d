// The `stemedb` command line: global options, and one subcommand per file in commands/.
// Commander is told never to exit or print errors itself: every failure reaches main as an
// exception, so usage errors and database errors end the same way (one line, exit code).
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { registerAssert } from './commands/assert.js';
import { registerBackup } from './commands/backup.js';
import { registerBeliefs } from './commands/beliefs.js';
import { registerContested } from './commands/contested.js';
import { registerEpoch } from './commands/epoch.js';
import { registerExport } from './commands/export.js';
import { registerFind } from './commands/find.js';
import { registerGet } from './commands/get.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';
import { registerMcp } from './commands/mcp.js';
import { registerRebuild } from './commands/rebuild.js';
import { registerRetract } from './commands/retract.js';
import { registerSample } from './commands/sample.js';
import { registerServe } from './commands/serve.js';
import { registerStats } from './commands/stats.js';
import { registerSubject } from './commands/subject.js';
import { registerVerify } from './commands/verify.js';
import { registerVotes } from './commands/votes.js';
import { registerVote } from './commands/vote.js';
import { registerWatch } from './commands/watch.js';

/** The default database directory, relative to the working directory. */
export const dataDirDefault = './stemedb-data';

/** The package version, for --version (the compiled file sits at dist/src/cli/program.js). */
function packageVersion(): string {
  try {
    const text = fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command('stemedb')
    .description('StemeDB: an embedded, durable, content-addressed knowledge store (assertions, votes, retractions, epochs)')
    .version(packageVersion())
    .addOption(new Option('--data <dir>', 'the database directory').env('STEMEDB_DATA').default(dataDirDefault))
    .option('--json', 'machine-readable output (JSON / NDJSON on stdout)', false)
    .showSuggestionAfterError(true)
    // Set before the subcommands are added, so that they inherit it.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerAssert(program);
  registerVote(program);
  registerRetract(program);
  registerEpoch(program);
  registerGet(program);
  registerSubject(program);
  registerFind(program);
  registerHistory(program);
  registerVotes(program);
  registerBeliefs(program);
  registerContested(program);
  registerImport(program);
  registerMcp(program);
  registerExport(program);
  registerVerify(program);
  registerStats(program);
  registerRebuild(program);
  registerBackup(program);
  registerServe(program);
  registerWatch(program);
  registerSample(program);
  return program;
}
