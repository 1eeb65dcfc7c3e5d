// Graceful stop. Once app.close() begins, new requests (on connections that are still open)
// get 503 SHUTTING_DOWN in our error shape instead of fastify's own body; requests already
// running finish, because app.close() waits for them; only then is the database closed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StemeDB } from '../index.js';
import { HttpError } from './http-error.js';

/** Installs the hooks that refuse new requests while the server closes. */
export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request: FastifyRequest, _reply: FastifyReply) => {
    if (closing) throw new HttpError(503, 'SHUTTING_DOWN', 'the server is shutting down');
  });
}

/** Stops accepting, lets in-flight requests finish, then closes the database (even if close failed). */
export async function shutdown(app: FastifyInstance, db: StemeDB): Promise<void> {
  try {
    await app.close();
  } finally {
    await db.close();
  }
}
