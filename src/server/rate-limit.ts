// Optional rate limiting (off unless ServerOptions.rateLimit is set; serve --rate-limit):
// @fastify/rate-limit counts each client address's requests per window in an LRU of
// httpRateLimitClientsMax addresses, on every route, and one past the limit is 429
// RATE_LIMITED in our error shape with Retry-After. Off by default: a local store's clients
// (imports, benchmarks, the explorer) are the user's own, and the caps that protect the node
// (body size, streams, timeouts) do not depend on it (docs/decisions.md).
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpRateLimitClientsMax, httpRateLimitWindowMsDefault } from '../limits.js';
import { HttpError } from './http-error.js';
import { clientKey } from './stream-slots.js';

export interface RateLimitOptions {
  /** Requests one client address may make per window. */
  max: number;
  /** The window, in ms (default httpRateLimitWindowMsDefault, one minute). */
  windowMs?: number;
}

/**
 * Registers the limiter on every route added after it (register it before the routes).
 * `exempt`: requests never counted (a cluster peer's forwarded reads: one node forwards for
 * many clients, and they were counted where they arrived).
 */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions, exempt: (request: FastifyRequest) => boolean): Promise<void> {
  const windowMs = options.windowMs ?? httpRateLimitWindowMsDefault;
  await app.register(fastifyRateLimit, {
    global: true,
    max: options.max,
    timeWindow: windowMs,
    hook: 'onRequest',
    cache: httpRateLimitClientsMax,
    keyGenerator: (request) => clientKey(request.ip),
    allowList: (request) => exempt(request),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'RATE_LIMITED', `more than ${context.max} requests from this client in ${windowMs} ms; retry in ${context.after}`, { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
}
