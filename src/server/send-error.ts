// Writes every error response in the one shape clients can rely on:
// {"error": {"code", "message"}}. Server-side failures (5xx) are logged with the error and its
// stack; client mistakes are logged at info level only, so a noisy client cannot flood the log.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorReply } from './error-reply.js';

export interface ErrorBody {
  /** `oldestLsn` only with CURSOR_EXPIRED (the change feed). */
  error: { code: string; message: string; oldestLsn?: number };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const { status, code, message, oldestLsn, retryAfterSeconds } = errorReply(error);
  if (status >= 500) request.log.error({ err: error, code }, 'request failed');
  else request.log.info({ code, message }, 'request refused');
  // The request id ties an INTERNAL answer to its log line without showing the error itself.
  const shown = code === 'INTERNAL' ? `${message} (request ${request.id})` : message;
  const body: ErrorBody = { error: { code, message: shown, ...(oldestLsn !== undefined && { oldestLsn }) } };
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  // FastifyReply is thenable; `send` answers synchronously, there is nothing to await.
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}
