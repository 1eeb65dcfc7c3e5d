// `stemedb serve`: the HTTP API (src/server) over one open database. Prints the URL and curl
// examples that work as printed; on SIGINT/SIGTERM stops accepting, finishes in-flight
// requests and closes the database. --sample loads the sample dataset into an empty database.
// If the database fails (WAL write or fsync error, ingest failed for good) it logs the cause at
// fatal level, finishes in-flight requests and exits 4, unless --on-wal-failure=stay.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { StemeDB } from '../../index.js';
import {
  changesStreamsMaxDefault,
  changesStreamsPerClientMaxDefault,
  httpHeadersTimeoutMsDefault,
  httpKeepAliveTimeoutMsDefault,
  httpRateLimitWindowMsDefault,
  httpRequestTimeoutMsDefault,
  serveShutdownMsMax,
} from '../../limits.js';
import { isAllowedHostName } from '../../server/allowed-hosts.js';
import type { ServerOptions } from '../../server/index.js';
import { addClusterFlags, clusterOptionsOf, type ClusterFlags } from '../cluster-flags.js';
import { globalsOf } from '../context.js';
import { CliError } from '../errors.js';
import { loadSample } from '../load/load-sample.js';
import { printSummary } from '../load/summary.js';
import { printJson } from '../output.js';
import { parseCount, parsePort } from '../parse.js';
import { reportError } from '../report-error.js';
import { browsableUrl, curlExamples } from '../serve-help.js';
import { onDatabaseFailureChoices, serveUntil, type OnDatabaseFailure } from '../serve-until.js';

interface ServeOptions extends ClusterFlags {
  host: string;
  port: number;
  token?: string;
  backupDir?: string;
  sample?: boolean;
  sampleLimit?: number;
  logLevel: string;
  onWalFailure: OnDatabaseFailure;
  mcpSource: string;
  mcpPublicReads?: boolean;
  allowHost: string[];
  streamsMax?: number;
  streamsPerClientMax?: number;
  rateLimit?: number;
  rateLimitWindowMs?: number;
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** --allow-host, repeatable: each value checked as the server will read it. */
function collectHost(value: string, previous: string[]): string[] {
  if (!isAllowedHostName(value)) throw new InvalidArgumentError('must be a host name or address with an optional port (example.com, 10.0.0.5:7420, [fd00::1]).');
  return [...previous, value];
}

/** The HTTP server's Host names and limits from the flags given (the rest keep their defaults). */
function serverLimitsOf(o: ServeOptions): ServerOptions {
  return {
    listenHost: o.host,
    allowedHosts: o.allowHost,
    ...(o.streamsMax !== undefined && { changesStreamsMax: o.streamsMax }),
    ...(o.streamsPerClientMax !== undefined && { changesStreamsPerClientMax: o.streamsPerClientMax }),
    ...(o.rateLimit !== undefined && { rateLimit: { max: o.rateLimit, ...(o.rateLimitWindowMs !== undefined && { windowMs: o.rateLimitWindowMs }) } }),
    ...(o.requestTimeoutMs !== undefined && { requestTimeoutMs: o.requestTimeoutMs }),
    ...(o.headersTimeoutMs !== undefined && { headersTimeoutMs: o.headersTimeoutMs }),
    ...(o.keepAliveTimeoutMs !== undefined && { keepAliveTimeoutMs: o.keepAliveTimeoutMs }),
  };
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

/**
 * Runs `work`, but exits if it takes longer than `ms` (1, or 4 after a database failure, whose
 * code a supervisor must still see): a stuck request must not keep the process (and the lock) forever.
 */
async function within(ms: number, work: Promise<void>, failure: CliError | undefined): Promise<void> {
  const timeout = (): CliError => new CliError(failure?.code ?? 'TIMEOUT', `${failure === undefined ? '' : `${failure.message}; `}shutdown took longer than ${ms} ms; exiting without it`);
  const timer = setTimeout(() => process.exit(reportError(timeout())), ms);
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
  const serve = program
    .command('serve')
    .description('serve the HTTP API; prints the URL and curl examples; stops cleanly on SIGINT/SIGTERM')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', parsePort, servePortDefault)
    .addOption(new Option('--token <token>', 'require "authorization: Bearer <token>" on writes (reads stay open)').env('STEMEDB_TOKEN'))
    .option('--backup-dir <dir>', 'allow POST /v1/admin/backup into directories under <dir> (needs --token)')
    .option('--sample', 'if the database is empty, load the sample dataset (GeoNames cities) first')
    .option('--sample-limit <n>', 'with --sample: only the n most populous cities (default: all 135k cities, 528k records, ~25 s)', parseCount)
    .option('--mcp-source <name>', 'the source of assertions and voter of votes made through /mcp (MCP over Streamable HTTP) that do not name one', 'mcp')
    .option('--allow-host <name>', 'also answer requests whose Host is this name (name: with the port and without; name:port: only so); repeatable. Default: localhost, 127.0.0.1, [::1] and --host, with the port', collectHost, [])
    .option('--streams-max <n>', `change-feed streams (GET /v1/changes) open at once; one more is 503 STREAMS_FULL (default ${changesStreamsMaxDefault})`, parseCount)
    .option('--streams-per-client-max <n>', `change-feed streams one client address may hold; one more is 429 TOO_MANY_STREAMS (default ${changesStreamsPerClientMaxDefault})`, parseCount)
    .option('--rate-limit <n>', 'requests one client address may make per window, on every route; one more is 429 RATE_LIMITED (default: no rate limit)', parseCount)
    .option('--rate-limit-window-ms <ms>', `with --rate-limit: the window (default ${httpRateLimitWindowMsDefault})`, parseCount)
    .option('--request-timeout-ms <ms>', `a request (headers and body) must arrive within this; else 408 (default ${httpRequestTimeoutMsDefault})`, parseCount)
    .option('--headers-timeout-ms <ms>', `a request's headers must arrive within this (default ${httpHeadersTimeoutMsDefault})`, parseCount)
    .option('--keep-alive-timeout-ms <ms>', `an idle keep-alive connection is closed after this (default ${httpKeepAliveTimeoutMsDefault}; behind a load balancer, more than its idle timeout)`, parseCount)
    .option('--mcp-public-reads', 'with --token: let clients without it use the read tools of /mcp (its write tools still need the token; without this flag all of /mcp does)')
    .addOption(new Option('--log-level <level>', 'request logs (JSON lines on stderr) at this level and above').choices(logLevels).default('info'))
    .addOption(
      new Option('--on-wal-failure <action>', 'when the WAL (or ingest) fails: exit 4 after finishing in-flight requests, for a supervisor to restart into recovery; or stay up serving reads, with 503 on writes and /v1/health')
        .choices(onDatabaseFailureChoices)
        .default('exit'),
    );
  addClusterFlags(serve, true).action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<ServeOptions>();
      if (o.backupDir !== undefined && o.token === undefined) throw new CliError('USAGE', '--backup-dir needs --token (or STEMEDB_TOKEN): backups over HTTP are never open');
      if (o.rateLimitWindowMs !== undefined && o.rateLimit === undefined) throw new CliError('USAGE', '--rate-limit-window-ms needs --rate-limit');
      if (o.mcpPublicReads === true && o.token === undefined) throw new CliError('USAGE', '--mcp-public-reads needs --token (or STEMEDB_TOKEN): without a token all of /mcp is open already');
      // Listen from the start: a signal while the sample loads stops the load cleanly (what was
      // loaded stays; `stemedb sample | stemedb import -` adds the rest under the same hashes).
      const stop = abortOnSignal();
      // Loaded here, not at the top: fastify takes ~100 ms to load, which every other command would pay.
      const { createServer, shutdown } = await import('../../server/index.js');
      const cluster = clusterOptionsOf(o, 'serve');
      const db = await StemeDB.open(globals.data, cluster === undefined ? {} : { cluster });
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
          app = await createServer(db, { logger, mcpSource: o.mcpSource, mcpPublicReads: o.mcpPublicReads === true, ...serverLimitsOf(o), ...(o.token !== undefined && { token: o.token }), ...(o.backupDir !== undefined && { backupDir: o.backupDir }) });
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
      db.cluster?.announceUrl(url);
      if (globals.json) await printJson({ url, pid: process.pid }, true);
      else process.stdout.write(`stemedb: serving ${db.dir} at ${url} (pid ${process.pid}); Ctrl-C to stop\nexplore it in a browser: ${url}/\n${curlExamples(url, o.token)}`);
      const served = app;
      const failure = await serveUntil(stop, db, o.onWalFailure, ({ part, error }) => {
        served.log.error({ err: error }, `the ${part} failed; staying up (--on-wal-failure=stay): reads are served, writes and /v1/health answer 503 until a restart`);
      });
      if (failure === undefined) {
        process.stderr.write(`stemedb: ${String(stop.reason)}: finishing in-flight requests and closing the database\n`);
      } else {
        app.log.fatal({ err: failure.cause }, `${failure.message}; finishing in-flight requests`);
      }
      await within(serveShutdownMsMax, shutdown(app, db), failure);
      if (failure !== undefined) throw failure;
    });
}
