// Builds the HTTP API over one open StemeDB: validation, auth, error shape, routes and the
// OpenAPI document. It does not listen (the caller does: `serve` in the CLI, or a test on port
// 0) and does not own the database: shutdown() closes both in the right order.
import fs from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { InvalidArgumentError, type StemeDB } from '../index.js';
import { mcpSourceDefault } from '../mcp/index.js';
import { httpBodyBytesMaxDefault, httpParamCharsMax } from '../limits.js';
import { requireTokenForWrites } from './auth.js';
import { forwardForeignReads } from './cluster-forward.js';
import { HttpError } from './http-error.js';
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
  if (options.mcpPublicReads === true && options.token === undefined) throw new InvalidArgumentError('public MCP reads need a token: without one, all of /mcp is open already');
  const backupRoot = options.backupDir === undefined ? undefined : realBackupDir(options.backupDir);
  const app = Fastify({
    logger: options.logger ?? true,
    bodyLimit: options.bodyLimitBytes ?? httpBodyBytesMaxDefault,
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

  refuseWhileClosing(app);
  if (options.token !== undefined) app.addHook('onRequest', requireTokenForWrites(options.token, new Set([mcpPath])));

  forwardForeignReads(app, db);
  await registerOpenApi(app);
  metricsRoutes(app, db);
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
    ...(options.bodyLimitBytes !== undefined && { bodyLimitBytes: options.bodyLimitBytes }),
  });
  changeRoutes(app, db, { ...(options.changesHeartbeatMs !== undefined && { heartbeatMs: options.changesHeartbeatMs }) });
  openApiRoute(app);
  explorerRoutes(app, options.token !== undefined);
  await app.ready();
  return app;
}
