// Bearer-token check for writes. With a token configured, every request that is not a read
// (GET or HEAD) must carry `Authorization: Bearer <token>`; reads stay open. The check runs in
// onRequest, before the body is read, so an unauthenticated client cannot make us buffer it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

const readMethods = new Set(['GET', 'HEAD']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant time in the token's content and length: both sides are hashed to 32 bytes first. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(.+)$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * `exempt`: paths that check the token themselves (POST /mcp carries reads and writes alike;
 * its write tools refuse without the token).
 */
export function requireTokenForWrites(token: string, exempt: ReadonlySet<string> = new Set()) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (readMethods.has(request.method)) return;
    if (exempt.has(request.url.split('?')[0] ?? '')) return;
    const given = bearerToken(request.headers.authorization);
    if (given !== undefined && tokenMatches(given, token)) return;
    // RFC 6750: a 401 names the scheme the client should use.
    void reply.header('www-authenticate', 'Bearer');
    throw new HttpError(401, 'UNAUTHORIZED', given === undefined ? 'writes need an "Authorization: Bearer <token>" header' : 'the bearer token is wrong');
  };
}
