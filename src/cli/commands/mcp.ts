// `stemedb mcp`: an MCP server over stdio, the form agent hosts launch (docs/mcp.md). stdout
// carries only protocol messages: nothing here prints to it, and the database logs to stderr.
// It runs until stdin closes (the host went away) or SIGINT/SIGTERM, then closes the database,
// which waits for in-flight writes: every acknowledged write is durable before exit.
import { once } from 'node:events';
import type { Command } from 'commander';
import { StemeDB } from '../../index.js';
import { globalsOf } from '../context.js';
import { CliError } from '../errors.js';

interface McpOptions {
  source: string;
}

function parseSource(value: string): string {
  if (value === '') throw new CliError('USAGE', '--source must not be empty');
  return value;
}

/** Resolves when stdin ends or closes, or on the first SIGINT or SIGTERM. */
async function untilHostLeaves(): Promise<string> {
  const signal = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => signal.abort(name);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ended = await Promise.race([
    once(process.stdin, 'end').then(() => 'stdin closed'),
    once(process.stdin, 'close').then(() => 'stdin closed'),
    once(signal.signal, 'abort').then(() => String(signal.signal.reason)),
  ]);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return ended;
}

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('serve MCP (Model Context Protocol) over stdio for an agent host; logs go to stderr; stops when stdin closes')
    .option('--source <name>', 'the source of assertions and retractions, and the voter of votes, that a tool call does not name', parseSource, 'mcp')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<McpOptions>();
      // Loaded here: the SDK is only needed by this command.
      const [{ CallTracker, createMcpServer }, { StdioServerTransport }] = await Promise.all([
        import('../../mcp/index.js'),
        import('@modelcontextprotocol/sdk/server/stdio.js'),
      ]);
      const log = (message: string): void => void process.stderr.write(`${message}\n`);
      // A held lock (another host or a serve) fails here, before any protocol message: LOCKED, exit 3.
      const db = await StemeDB.open(globals.data, { log });
      try {
        const calls = new CallTracker();
        const server = createMcpServer({ db, source: o.source, writes: 'always', log, calls });
        await server.connect(new StdioServerTransport());
        log(`stemedb mcp: serving ${db.dir} over stdio as source ${JSON.stringify(o.source)}`);
        const reason = await untilHostLeaves();
        log(`stemedb mcp: ${reason}: closing the database`);
        // Calls already received are answered first (stdout is still open when stdin is not).
        await calls.idle();
        await server.close();
      } finally {
        await db.close();
      }
    });
}
