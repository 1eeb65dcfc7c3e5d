// `stemedb watch`: prints changes as they arrive (db.changes with follow) until Ctrl-C, then
// exits 0. On the database directory by default; with --url, from a running server's
// GET /v1/changes (the server holds the directory's lock), reconnecting from the last LSN
// seen when the server restarts. Cursor rules are the database's (docs/cli.md#watch).
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { InvalidArgumentError as UsageValueError } from 'commander';
import type { Change, ChangesOptions, ChangeType } from '../../index.js';
import { globalsOf, withDb } from '../context.js';
import { CliError, type CliErrorCode } from '../errors.js';
import { LineWriter } from '../output.js';
import { parseId } from '../parse.js';

interface WatchOptions {
  since?: number | 'now';
  subject?: string;
  types?: ChangeType[];
  url?: string;
}

/** How long to wait before reconnecting to a server that ended the stream or went away. */
const reconnectDelayMs = 500;
/**
 * A following stream that carries no byte for this long is taken as dead (a server that lost
 * power, a dropped route) and reconnected from the last cursor: the server writes a heartbeat
 * line every 15 s (its default changesHeartbeatMs), so this allows for three missed ones.
 */
const watchIdleMsMax = 45_000;

function parseSince(value: string): number | 'now' {
  return value === 'now' ? 'now' : parseId(value);
}

function parseTypes(value: string): ChangeType[] {
  const types = value.split(',').map((type) => type.trim());
  for (const type of types) {
    if (!['assertion', 'vote', 'retraction', 'epoch'].includes(type)) throw new UsageValueError(`"${type}" is not a record type (assertion, vote, retraction, epoch).`);
  }
  return types as ChangeType[];
}

/** One line for people: LSN, type, hash, and what the record says. */
function describe(change: Change): string {
  const record = change.record;
  const what =
    record.type === 'assertion'
      ? `${record.subject} ${record.predicate} = ${JSON.stringify(record.object)} (${record.source})`
      : record.type === 'vote'
        ? `${record.voter} ${record.stance}s ${record.assertion}`
        : record.type === 'retraction'
          ? `${record.source} retracts ${record.assertion}`
          : `epoch ${record.id} ${record.name}`;
  return `${change.lsn}\t${change.type}\t${change.hash}\t${what}`;
}

/** Aborts on the first SIGINT or SIGTERM. */
function abortOnSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/** Follows a server's NDJSON feed; returns when `signal` aborts. */
async function watchServer(url: string, options: WatchOptions, print: (change: Change) => Promise<void>, signal: AbortSignal): Promise<void> {
  let since = options.since;
  while (!signal.aborted) {
    const query = new URLSearchParams({ follow: 'true' });
    if (since !== undefined) query.set('since', String(since));
    if (options.subject !== undefined) query.set('subject', options.subject);
    if (options.types !== undefined) query.set('types', options.types.join(','));
    let response: Response;
    // This connection's own abort: the caller's signal, or silence for watchIdleMsMax.
    const connection = new AbortController();
    const stopConnection = (): void => connection.abort();
    signal.addEventListener('abort', stopConnection, { once: true });
    let idle = setTimeout(stopConnection, watchIdleMsMax);
    const alive = (): void => {
      clearTimeout(idle);
      idle = setTimeout(stopConnection, watchIdleMsMax);
    };
    const release = (): void => {
      clearTimeout(idle);
      signal.removeEventListener('abort', stopConnection);
    };
    try {
      response = await fetch(`${url.replace(/\/$/, '')}/v1/changes?${query.toString()}`, { signal: connection.signal });
    } catch (error) {
      release();
      if (signal.aborted) return;
      // The server is restarting or not up yet: try again from the same cursor.
      process.stderr.write(`stemedb: watch: ${(error as Error).message}; retrying\n`);
      await sleep(reconnectDelayMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    if (response.status !== 200) {
      release();
      const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      // Refused for load (too many streams, a rate limit, a server starting or stopping): come back when it says.
      const retryAfterSeconds = Number(response.headers.get('retry-after') ?? Number.NaN);
      if ((response.status === 429 || response.status === 503) && Number.isFinite(retryAfterSeconds)) {
        process.stderr.write(`stemedb: watch: ${body.error?.code ?? response.status}: ${body.error?.message ?? ''}; retrying in ${retryAfterSeconds} s\n`);
        await sleep(Math.max(reconnectDelayMs, retryAfterSeconds * 1000), undefined, { signal }).catch(() => undefined);
        continue;
      }
      throw new CliError((body.error?.code ?? 'INTERNAL') as CliErrorCode, body.error?.message ?? `the server answered ${response.status}`);
    }
    let buffered = '';
    try {
      for await (const chunk of response.body!) {
        alive();
        buffered += Buffer.from(chunk as Uint8Array).toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = JSON.parse(buffered.slice(0, newline)) as Change | { lastLsn: number } | { error: { code: string; message: string } };
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if ('error' in line) throw new CliError(line.error.code as CliErrorCode, line.error.message);
          if ('lastLsn' in line) since = line.lastLsn;
          else {
            since = line.lsn;
            await print(line);
          }
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof CliError) throw error;
      if (connection.signal.aborted) process.stderr.write(`stemedb: watch: no data from the server for ${watchIdleMsMax / 1000} s; reconnecting\n`);
    } finally {
      release();
    }
    // The stream ended (the server shut down): reconnect from the last cursor.
    await sleep(reconnectDelayMs, undefined, { signal }).catch(() => undefined);
  }
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('print changes (every record in log order) as they arrive, until Ctrl-C; from a running server with --url')
    .option('--since <lsn|now>', 'start after this LSN (the lsn of the last change seen), or "now" (default: from the first record)', parseSince)
    .option('--subject <subject>', 'only assertions about this subject, and votes and retractions on them')
    .option('--types <list>', 'only these record types: assertion,vote,retraction,epoch', parseTypes)
    .addOption(new Option('--url <url>', 'follow a running `stemedb serve` (it holds the database) instead of opening --data').env('STEMEDB_URL'))
    .action(async (_options: unknown, command: Command) => {
      const globals = globalsOf(command);
      const o = command.opts<WatchOptions>();
      const signal = abortOnSignal();
      const out = new LineWriter();
      // Each change is written at once: a watcher wants it now, not when a chunk fills.
      const print = async (change: Change): Promise<void> => {
        await out.line(globals.json ? JSON.stringify(change) : describe(change));
        await out.end();
      };
      if (o.url !== undefined) return watchServer(o.url, o, print, signal);
      const options: ChangesOptions = {
        follow: true,
        signal,
        ...(o.since !== undefined && { since: o.since }),
        ...(o.subject !== undefined && { subject: o.subject }),
        ...(o.types !== undefined && { types: o.types }),
      };
      // A feed waits on promises only; this timer keeps the process alive until Ctrl-C.
      const alive = setInterval(() => undefined, 60_000);
      try {
        await withDb(globals, async (db) => {
          for await (const change of db.changes(options)) await print(change);
        });
      } finally {
        clearInterval(alive);
      }
    });
}
