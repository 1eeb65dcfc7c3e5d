// Builds the HTTP API over one open StemeDB: Host and Origin checks, timeouts, validation,
// auth, rate limiting, error shape, routes and the OpenAPI document. It does not listen (the
// caller does: `serve` in the CLI, or a test on port 0) and does not own the database:
// shutdown() closes both in the right order. Every bound it sets is a named limit, passed to
// fastify and Node explicitly (docs/http-api.md#limits).
import fs from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { InvalidArgumentError, type StemeDB } from '../index.js';
import { mcpSourceDefault } from '../mcp/index.js';
import {
  changesStreamsMaxDefault,
  changesStreamsPerClientMaxDefault,
  httpBodyBytesMaxDefault,
  httpHeadersBytesMax,
  httpHeadersTimeoutMsDefault,
  httpKeepAliveTimeoutMsDefault,
  httpParamCharsMax,
  httpRequestTimeoutMsDefault,
  httpTimeoutCheckIntervalMs,
} from '../limits.js';
import { AllowedHosts, refuseForeignHosts } from './allowed-hosts.js';
import { requireTokenForWrites } from './auth.js';
import { answerClientError } from './client-error.js';
import { forwardForeignReads, fromPeer } from './cluster-forward.js';
import { HttpError } from './http-error.js';
import { registerRateLimit, type RateLimitOptions } from './rate-limit.js';
import { StreamSlots } from './stream-slots.js';
import { adminRoutes } from './routes/admin.js';
import { openApiRoute, registerOpenApi } from './openapi.js';
import { assertionRoutes } from './routes/assertions.js';
import { batchRoutes } from './routes/batch.js';
import { beliefRoutes } from './routes/beliefs.js';
import { changeRoutes } from './routes/changes.js';
import { epochRoutes } from './routes/epochs.js';
import { explorerRoutes } from './explorer.js';
import { findRoutes } from './routes/find.js';
import { metricsRoutes } from './metrics.js';
import { mcpPath, mcpRoutes } from './routes/mcp.js';
import { statusRoutes } from './routes/status.js';
import { subjectRoutes } from './routes/subjects.js';
import { writeRoutes } from './routes/writes.js';
import { sendError } from './send-error.js';
import { refuseWhileClosing } from './shutdown.js';
import { validationError } from './validation-message.js';

export interface ServerOptions {
  /** When set, every write (any method but GET and HEAD) needs `Authorization: Bearer <token>`. */
  token?: string;
  /** true (default): structured JSON logs (pino) on stdout; false: none; or pino options. */
  logger?: FastifyServerOptions['logger'];
  /**
   * Where POST /v1/admin/backup may write (created if missing); without it that route answers
   * 403 BACKUPS_DISABLED. Needs `token`: a route that writes files is never open.
   */
  backupDir?: string;
  /** Largest request body accepted (default httpBodyBytesMaxDefault); larger is 413 BODY_TOO_LARGE. */
  bodyLimitBytes?: number;
  /** The source of assertions and voter of votes made through POST /mcp that do not name one (default `mcp`). */
  mcpSource?: string;
  /**
   * With `token`: clients without it may still initialize MCP, list its tools and call the read
   * tools (the write tools answer UNAUTHORIZED). Default false: all of /mcp needs the token.
   */
  mcpPublicReads?: boolean;
  /** Between heartbeat comments on SSE change streams (default changesHeartbeatMsDefault, 15 s). */
  changesHeartbeatMs?: number;
  /**
   * Names the server is reached by besides the loopback names, the address it listens on and
   * listenHost (serve passes each --allow-host): `name` (with the bound port, and without a
   * port) or `name:port`. Any other Host header is 403 HOST_NOT_ALLOWED (docs/http-api.md#host-and-origin).
   */
  allowedHosts?: readonly string[];
  /** The host name or address the caller will listen on (serve --host): allowed as Host with the bound port. */
  listenHost?: string;
  /** Change-feed responses open at once (default changesStreamsMaxDefault); one more is 503 STREAMS_FULL. */
  changesStreamsMax?: number;
  /** The same per client address (default changesStreamsPerClientMaxDefault); one more is 429 TOO_MANY_STREAMS. */
  changesStreamsPerClientMax?: number;
  /** A change stream whose client accepts no byte for this long while an event waits is closed (default changesStallMsMaxDefault). */
  changesStallMs?: number;
  /** Receiving a whole request may take this long (default httpRequestTimeoutMsDefault); then 408 REQUEST_TIMEOUT. */
  requestTimeoutMs?: number;
  /** Receiving a request's headers may take this long (default httpHeadersTimeoutMsDefault); at most requestTimeoutMs. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long (default httpKeepAliveTimeoutMsDefault). */
  keepAliveTimeoutMs?: number;
  /** Requests per client address per window; off when absent (the default). */
  rateLimit?: RateLimitOptions;
}

/** A bound from the options: a positive safe integer, else INVALID_ARGUMENT naming the option. */
function bound(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) throw new InvalidArgumentError(`${name} must be a positive integer; got ${String(value)}`);
  return chosen;
}

/** The backup directory's real path (created if missing): targets are checked against it. */
function realBackupDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return fs.realpathSync(dir);
}

export async function createServer(db: StemeDB, options: ServerOptions): Promise<FastifyInstance> {
  // An empty token could never be presented (`Bearer ` needs one), so every write would be refused.
  if (options.token === '') throw new InvalidArgumentError('the server token must not be empty');
  if (options.backupDir !== undefined && options.token === undefined) throw new InvalidArgumentError('a backup directory needs a token: backups over HTTP are never open');
  const requestTimeout = bound('requestTimeoutMs', options.requestTimeoutMs, httpRequestTimeoutMsDefault);
  const headersTimeout = bound('headersTimeoutMs', options.headersTimeoutMs, Math.min(httpHeadersTimeoutMsDefault, requestTimeout));
  // Node refuses a headers timeout longer than the request timeout; say which option is wrong.
  if (headersTimeout > requestTimeout) throw new InvalidArgumentError(`headersTimeoutMs (${headersTimeout}) must not exceed requestTimeoutMs (${requestTimeout})`);
  const keepAliveTimeout = bound('keepAliveTimeoutMs', options.keepAliveTimeoutMs, httpKeepAliveTimeoutMsDefault);
  const slots = new StreamSlots(bound('changesStreamsMax', options.changesStreamsMax, changesStreamsMaxDefault), bound('changesStreamsPerClientMax', options.changesStreamsPerClientMax, changesStreamsPerClientMaxDefault));
  if (options.changesStallMs !== undefined) bound('changesStallMs', options.changesStallMs, 0);
  if (options.rateLimit !== undefined) {
    bound('rateLimit.max', options.rateLimit.max, 0);
    if (options.rateLimit.windowMs !== undefined) bound('rateLimit.windowMs', options.rateLimit.windowMs, 0);
  }
  const hosts = new AllowedHosts(options.allowedHosts, options.listenHost);
  if (options.mcpPublicReads === true && options.token === undefined) throw new InvalidArgumentError('public MCP reads need a token: without one, all of /mcp is open already');
  const backupRoot = options.backupDir === undefined ? undefined : realBackupDir(options.backupDir);
  const app = Fastify({
    logger: options.logger ?? true,
    bodyLimit: options.bodyLimitBytes ?? httpBodyBytesMaxDefault,
    // Every timeout set here, none left to a default (fastify's requestTimeout is 0: a body sent
    // slowly was never cut off). A response is never timed: change streams and backups are long.
    requestTimeout,
    keepAliveTimeout,
    // No idle-socket timeout: a following change stream is quiet between heartbeats, and a backup's
    // response waits for the copy. Stalled streams are closed by the change feed itself.
    connectionTimeout: 0,
    http: { requestTimeout, headersTimeout, keepAliveTimeout, maxHeaderSize: httpHeadersBytesMax, connectionsCheckingInterval: httpTimeoutCheckIntervalMs },
    clientErrorHandler: answerClientError,
    // A subject may be up to 1 KiB of UTF-8, three characters a byte once percent-encoded.
    routerOptions: { maxParamLength: httpParamCharsMax },
    // Off: fastify's own 503 has another body shape; shutdown.ts answers 503 SHUTTING_DOWN instead.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: {
      customOptions: {
        // fastify's defaults would quietly turn "0.5" into 0.5 and drop unknown fields; a
        // client that sends either should hear about it (400), not have its data changed.
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        // Stop at the first problem: collecting all of them lets one request make the validator do unbounded work.
        allErrors: false,
        // Lets a batch record's `type` pick its schema, so errors name the right fields.
        discriminator: true,
      },
    },
    schemaErrorFormatter: validationError,
    // A malformed percent-escape or an over-long parameter, found before routing.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
  });

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new HttpError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)));
  // No text/plain parser: any body that is not JSON (or NDJSON on /v1/batch) is 415.
  app.removeContentTypeParser('text/plain');

  // First: a request from another site's page learns nothing, not even that the server is closing.
  refuseForeignHosts(app, hosts);
  refuseWhileClosing(app);
  if (options.token !== undefined) app.addHook('onRequest', requireTokenForWrites(options.token, new Set([mcpPath])));
  // Before the routes: the limiter adds itself to each route as it is registered.
  if (options.rateLimit !== undefined) await registerRateLimit(app, options.rateLimit, (request) => fromPeer(db.cluster, request));

  forwardForeignReads(app, db, options.token);
  await registerOpenApi(app);
  const streamEvents = metricsRoutes(app, db, slots);
  writeRoutes(app, db);
  await app.register(batchRoutes, { db });
  findRoutes(app, db);
  assertionRoutes(app, db);
  subjectRoutes(app, db);
  beliefRoutes(app, db);
  epochRoutes(app, db);
  statusRoutes(app, db);
  adminRoutes(app, db, backupRoot);
  await mcpRoutes(app, {
    db,
    token: options.token,
    source: options.mcpSource ?? mcpSourceDefault,
    publicReads: options.mcpPublicReads ?? false,
    // The same lists the server-wide check reads (filled once the server listens): the SDK's own
    // DNS-rebinding protection then guards /mcp a second time.
    allowedHosts: hosts.hosts,
    allowedOrigins: hosts.origins,
    ...(options.bodyLimitBytes !== undefined && { bodyLimitBytes: options.bodyLimitBytes }),
  });
  changeRoutes(app, db, {
    slots,
    onStall: () => streamEvents.stalled(),
    ...(options.changesHeartbeatMs !== undefined && { heartbeatMs: options.changesHeartbeatMs }),
    ...(options.changesStallMs !== undefined && { stallMs: options.changesStallMs }),
  });
  openApiRoute(app);
  explorerRoutes(app, options.token !== undefined);
  await app.ready();
  return app;
}
