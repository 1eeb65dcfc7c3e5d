// `stemedb serve`: the HTTP API (src/server) over one open database. Prints the URL and curl
// examples that work as printed; on SIGINT/SIGTERM stops accepting, finishes in-flight
// requests and closes the database. --sample loads the sample dataset into an empty database.
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { StemeDB } from '../../index.js';
import { serveShutdownMsMax } from '../../limits.js';
import { globalsOf } from '../context.js';
import { CliError } from '../errors.js';
import { loadSample } from '../load/load-sample.js';
import { printSummary } from '../load/summary.js';
import { printJson } from '../output.js';
import { parseCount, parsePort } from '../parse.js';
import { reportError } from '../report-error.js';
import { browsableUrl, curlExamples } from '../serve-help.js';

interface ServeOptions {
  host: string;
  port: number;
  token?: string;
  sample?: boolean;
  sampleLimit?: number;
  logLevel: string;
  mcpSource: string;
}

/** pino's levels; 'silent' turns request logging off. */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The default port (`--port 0` picks a free one). */
export const servePortDefault = 7420;

/** Aborts on the first SIGINT or SIGTERM (with the signal's name as the reason). */
function abortOnSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort(signal);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/** Runs `work`, but exits 1 if it takes longer than `ms`: a stuck request must not keep the process (and the lock) forever. */
async function within(ms: number, work: Promise<void>): Promise<void> {
  const timer = setTimeout(() => process.exit(reportError(new CliError('TIMEOUT', `shutdown took longer than ${ms} ms; exiting without it`))), ms);
  try {
    await work;
  } finally {
    clearTimeout(timer);
  }
}

/** Errors from listen that mean "this host or port cannot be used", not a bug. */
const listenErrorCodes = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN']);

async function listen(app: { listen(options: { host: string; port: number }): Promise<string> }, host: string, port: number): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !listenErrorCodes.has(code)) throw error;
    throw new CliError('INVALID_ARGUMENT', `cannot listen on ${host} port ${port}: ${(error as Error).message}`, { cause: error });
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API; prints the URL and curl examples; stops cleanly on SIGINT/SIGTERM')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', parsePort, servePortDefault)
    .addOption(new Option('--token <token>', 'require "authorization: Bearer <token>" on writes (reads stay open)').env('STEMEDB_TOKEN'))
    .option('--sample', 'if the database is empty, load the sample dataset (GeoNames cities) first')
    .option('--sample-limit <n>', 'with --sample: only the n most populous cities (default: all 135k cities, 528k records, ~25 s)', parseCount)
    .option('--mcp-source <name>', 'the source of assertions and voter of votes made through /mcp (MCP over Streamable HTTP) that do not name one', 'mcp')
    .addOption(new Option('--log-level <level>', 'request logs (JSON lines on stderr) at this level and above').choices(logLevels).default('info'))
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<ServeOptions>();
      // Listen from the start: a signal while the sample loads stops the load cleanly (what was
      // loaded stays; `stemedb sample | stemedb import -` adds the rest under the same hashes).
      const stop = abortOnSignal();
      // Loaded here, not at the top: fastify takes ~100 ms to load, which every other command would pay.
      const { createServer, shutdown } = await import('../../server/index.js');
      const db = await StemeDB.open(globals.data);
      let app: Awaited<ReturnType<typeof createServer>> | undefined;
      try {
        const empty = Object.values(db.stats().records).every((count) => count === 0);
        if (o.sample === true && empty) {
          const summary = await loadSample(db, { citiesMax: o.sampleLimit, showProgress: process.stderr.isTTY === true, stop });
          await printSummary(stop.aborted ? 'interrupted; loaded part of the sample:' : 'loaded the sample:', summary, false);
        }
        if (!stop.aborted) {
          // Logs go to stderr: stdout carries only the URL and the examples, for scripts to read.
          const logger = { level: o.logLevel, stream: process.stderr };
          app = await createServer(db, { logger, mcpSource: o.mcpSource, ...(o.token !== undefined && { token: o.token }) });
          await listen(app, o.host, o.port);
        }
      } catch (error) {
        await app?.close();
        await db.close();
        throw error;
      }
      if (app === undefined) return db.close();
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : o.port;
      const url = browsableUrl(o.host, port);
      if (globals.json) await printJson({ url, pid: process.pid }, true);
      else process.stdout.write(`stemedb: serving ${db.dir} at ${url} (pid ${process.pid}); Ctrl-C to stop\n${curlExamples(url, o.token)}`);
      if (!stop.aborted) await once(stop, 'abort');
      process.stderr.write(`stemedb: ${String(stop.reason)}: finishing in-flight requests and closing the database\n`);
      await within(serveShutdownMsMax, shutdown(app, db));
    });
}
