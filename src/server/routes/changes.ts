// GET /v1/changes: the change feed (db.changes) as Server-Sent Events (Accept: text/event-stream)
// or NDJSON. A thin adapter: every cursor and visibility rule lives in src/db/changes.ts. The
// cursor is checked before any byte is sent, so a bad one is an ordinary 400/410 answer; after
// that the reply is written by hand (reply.hijack): each write waits for 'drain' when the socket
// is full, so a slow client holds one event in server memory, not a growing queue, and a client
// that accepts nothing for stallMs is dropped. Every response takes a slot (stream-slots.ts)
// before it reads anything. Streams end when the client goes, at the limit, on an error (sent
// in-band), when the client stalls, and at server shutdown.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Change, ChangeFeed, ChangesOptions, ChangeType, StemeDB } from '../../index.js';
import { changesHeartbeatMsDefault, changesLimitDefault, changesLimitMax, changesShutdownFlushMsMax, changesStallMsMaxDefault, stringBytesMax } from '../../limits.js';
import { errorReply } from '../error-reply.js';
import { typedFields } from '../query-strings.js';
import { errorResponses } from '../schemas/common.js';
import { changeSchema } from '../schemas/changes.js';
import { clientKey, type StreamSlots } from '../stream-slots.js';

export interface ChangesRouteOptions {
  /** Every change-feed response takes one of these while it is open. */
  slots: StreamSlots;
  /** Between SSE heartbeat comments (default changesHeartbeatMsDefault). */
  heartbeatMs?: number;
  /** A stream whose client accepts no byte for this long while an event waits is closed (default changesStallMsMaxDefault). */
  stallMs?: number;
  /** Called when a stream is closed because its client stalled (metrics). */
  onStall?: () => void;
}

interface ChangesQuery {
  since?: number | string;
  subject?: string;
  types?: string;
  limit?: number;
  follow?: boolean;
}

const changesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: {
      anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }],
      description: "the lsn of the last change seen (the feed starts after it), a lastLsn the feed reported, or 'now'; default 0: from the first record. The Last-Event-ID header, when sent, takes its place",
    },
    subject: { type: 'string', minLength: 1, maxLength: stringBytesMax, description: 'only assertions about this subject and the votes and retractions on them' },
    types: { type: 'string', minLength: 1, description: 'comma-separated record types: assertion,vote,retraction,epoch' },
    limit: { type: 'integer', minimum: 1, maximum: changesLimitMax, description: `end after this many changes (NDJSON without follow: default ${changesLimitDefault}; streams: no limit)` },
    follow: { type: 'boolean', description: 'NDJSON: keep the response open and stream new changes as they come (SSE always follows)' },
  },
} as const;

/** The part of the answer a client reads: SSE or NDJSON framing of the same changes. */
interface Framing {
  contentType: string;
  change(change: Change): string;
  /** Written when the stream ends normally; SSE writes nothing (a client reconnects). */
  end(lastLsn: number): string;
  /** Written every heartbeatMs while a following stream is idle; `moved`: filtered records moved the cursor since the last line. */
  heartbeat(lastLsn: number, moved: boolean): string;
  error(body: unknown): string;
}

/**
 * A change's JSON text, made once however many streams send it: subscribers share the change
 * objects the database caches (frozen), so the text is keyed by the object itself.
 */
const jsonOf = new WeakMap<Change, string>();
function changeJson(change: Change): string {
  let text = jsonOf.get(change);
  if (text === undefined) {
    text = JSON.stringify(change);
    jsonOf.set(change, text);
  }
  return text;
}

const sse: Framing = {
  contentType: 'text/event-stream; charset=utf-8',
  change: (change) => `id: ${change.lsn}\nevent: ${change.type}\ndata: ${changeJson(change)}\n\n`,
  end: () => '',
  heartbeat: (lastLsn, moved) => `: heartbeat\n\n${moved ? cursorEvent(lastLsn) : ''}`,
  error: (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`,
};

const ndjson: Framing = {
  contentType: 'application/x-ndjson; charset=utf-8',
  change: (change) => `${changeJson(change)}\n`,
  end: (lastLsn) => `${JSON.stringify({ lastLsn })}\n`,
  // The cursor line, mid-stream: a client that resumes from the last lastLsn it saw already
  // handles it, and an idle connection carries bytes (proxies keep it, clients see it alive).
  heartbeat: (lastLsn) => `${JSON.stringify({ lastLsn })}\n`,
  error: (body) => `${JSON.stringify(body)}\n`,
};

/** Asks SSE clients to reconnect after this long (the EventSource default is several seconds). */
const sseRetryMs = 500;

/** An SSE event that moves the client's Last-Event-ID to `lsn` without a change (start, filtered records). */
function cursorEvent(lsn: number): string {
  return `id: ${lsn}\nevent: cursor\ndata: ${JSON.stringify({ lastLsn: lsn })}\n\n`;
}

/** What a write does when the socket is full. */
interface Stall {
  ms: number;
  /** Called when the client accepted nothing for `ms` and its connection was closed. */
  dropped(): void;
}

/**
 * Writes `text`; when the socket's buffer is full, waits until it drains (or the client is
 * gone, or `stop` aborts: the server is closing). A client that drains nothing for `stall.ms`
 * is disconnected. False when the stream should end.
 */
async function send(response: ServerResponse, text: string, stall: Stall, stop: AbortSignal): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (text === '' || response.write(text)) return true;
  if (stop.aborted) return false;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      stall.dropped();
      response.destroy();
    }, stall.ms);
    const done = (): void => {
      clearTimeout(timer);
      response.off('drain', done);
      response.off('close', done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
    stop.addEventListener('abort', done);
  });
  return !response.destroyed && !stop.aborted;
}

function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').split(',').some((type) => type.trim().split(';')[0] === 'text/event-stream');
}

/** since from Last-Event-ID (a reconnecting SSE client) or the query; text that is not a number is left for the database to refuse. */
function sinceOf(request: FastifyRequest<{ Querystring: ChangesQuery }>): ChangesOptions['since'] {
  const header = request.headers['last-event-id'];
  const raw = typeof header === 'string' && header !== '' ? header : request.query.since;
  if (raw === undefined || raw === 'now' || typeof raw === 'number') return raw;
  return /^[0-9]+$/.test(raw) ? Number(raw) : (raw as unknown as number);
}

export function changeRoutes(app: FastifyInstance, db: StemeDB, options: ChangesRouteOptions): void {
  const { slots } = options;
  const heartbeatMs = options.heartbeatMs ?? changesHeartbeatMsDefault;
  /** Every open stream, ended at shutdown: app.close() waits for requests, and these never finish. */
  const open: OpenStreams = { streams: new Set(), closing: false };
  app.addHook('preClose', async () => {
    open.closing = true;
    for (const stream of open.streams) stream.abort();
  });

  app.get<{ Querystring: ChangesQuery }>(
    '/v1/changes',
    {
      preValidation: typedFields('query', { integers: ['limit'], booleans: ['follow'] }),
      schema: {
        summary: 'The change feed: every record in log order after an LSN cursor, as Server-Sent Events (Accept: text/event-stream) or NDJSON',
        description:
          'SSE: one event per change (id: its lsn, event: its type, data: the change as JSON), `cursor` events that move Last-Event-ID past filtered records, a comment heartbeat, and an `error` event (CURSOR_EXPIRED) before the stream ends. NDJSON: one change per line, then {"lastLsn": N} (or {"error": …}). 400 INVALID_CURSOR for a since beyond the end or inside a record; 410 CURSOR_EXPIRED (with oldestLsn) when WAL segments after since were deleted; 429 TOO_MANY_STREAMS or 503 STREAMS_FULL (with Retry-After) when this client or the server has the most streams open. See docs/http-api.md#the-change-feed.',
        tags: ['reads'],
        querystring: changesQuery,
        response: {
          200: {
            description: 'a stream of changes',
            content: {
              'application/x-ndjson': { schema: changeSchema },
              'text/event-stream': { schema: { type: 'string', description: 'SSE events whose data is a change' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const eventStream = wantsEventStream(request);
      const follow = eventStream || request.query.follow === true;
      const limit = request.query.limit ?? (follow ? Number.POSITIVE_INFINITY : changesLimitDefault);
      // Before anything is read: a refused stream costs no file handle and no chunk.
      const release = slots.acquire(clientKey(request.ip));
      try {
        const stop = new AbortController();
        const types = request.query.types?.split(',').map((type) => type.trim()) as ChangeType[] | undefined;
        const feed = db.changes({
          since: sinceOf(request),
          follow,
          ...(request.query.subject !== undefined && { subject: request.query.subject }),
          ...(types !== undefined && { types }),
          signal: stop.signal,
        });
        await feed.check();
        const stall: Stall = {
          ms: options.stallMs ?? changesStallMsMaxDefault,
          dropped: () => {
            request.log.info({ stallMs: stall.ms }, 'change stream closed: its client accepted nothing');
            options.onStall?.();
          },
        };
        await stream(request, reply, feed, { framing: eventStream ? sse : ndjson, limit, heartbeatMs: follow ? heartbeatMs : 0, stop, open, stall });
      } finally {
        release();
      }
    },
  );
}

interface StreamOptions {
  framing: Framing;
  limit: number;
  /** 0: no heartbeat. */
  heartbeatMs: number;
  stop: AbortController;
  open: OpenStreams;
  stall: Stall;
}

interface OpenStreams {
  streams: Set<AbortController>;
  /** Set when the server starts closing: a stream that cannot flush its end is cut off. */
  closing: boolean;
}

async function stream(request: FastifyRequest, reply: FastifyReply, feed: ChangeFeed, options: StreamOptions): Promise<void> {
  const { framing, limit, stop, open, stall } = options;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    'content-type': framing.contentType,
    'cache-control': 'no-cache',
    // Proxies (nginx) must pass events on as they come, not buffer the response.
    'x-accel-buffering': 'no',
  });
  // A following client learns at once that the stream is open, before any change exists.
  response.flushHeaders();
  open.streams.add(stop);
  const gone = (): void => stop.abort();
  response.on('close', gone);
  let announced = feed.lastLsn;
  let writing = false;
  /** Since when an idle stream's socket has been full (heartbeats filled it): a stall with no event waiting. */
  let fullSinceMs: number | undefined;
  const timer =
    options.heartbeatMs > 0
      ? setInterval(() => {
          // Skipped while an event waits for the socket: a heartbeat must not grow the buffer.
          if (writing) return;
          if (response.writableNeedDrain) {
            fullSinceMs ??= Date.now();
            if (Date.now() - fullSinceMs >= stall.ms) {
              stall.dropped();
              response.destroy();
            }
            return;
          }
          fullSinceMs = undefined;
          const moved = feed.lastLsn !== announced;
          announced = feed.lastLsn;
          response.write(framing.heartbeat(announced, moved));
        }, options.heartbeatMs)
      : undefined;
  try {
    // SSE: the first event sets Last-Event-ID, so a client that asked for 'now' reconnects without a gap.
    // retry: how soon a disconnected client comes back (a restart takes about that long).
    if (framing === sse && !(await send(response, `retry: ${sseRetryMs}\n${cursorEvent(announced)}`, stall, stop.signal))) return;
    let sent = 0;
    if (sent < limit) {
      for await (const change of feed) {
        writing = true;
        const ok = await send(response, framing.change(change), stall, stop.signal);
        writing = false;
        announced = change.lsn;
        if (!ok || ++sent >= limit) break;
      }
    }
    await send(response, framing.end(feed.lastLsn), stall, stop.signal);
  } catch (error) {
    const { status, code, message, oldestLsn } = errorReply(error);
    if (status >= 500) request.log.error({ err: error, code }, 'change feed failed');
    await send(response, framing.error({ error: { code, message, ...(oldestLsn !== undefined && { oldestLsn }) } }), stall, stop.signal);
  } finally {
    if (timer !== undefined) clearInterval(timer);
    response.off('close', gone);
    open.streams.delete(stop);
    stop.abort();
    response.end();
    // At shutdown, a client that does not take the end within a moment is cut off: the server's
    // close waits for every connection, and a stalled one would hold it past serve's deadline.
    if (open.closing && !response.writableFinished) {
      const cut = setTimeout(() => response.destroy(), changesShutdownFlushMsMax);
      response.once('close', () => clearTimeout(cut));
    }
  }
}
