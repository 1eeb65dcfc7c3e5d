// The HTTP API (fastify) over the public StemeDB API: createServer builds it without
// listening; shutdown stops accepting, finishes in-flight requests, then closes the database.
// Routes, status codes and error codes are documented in docs/http-api.md.
export { createServer, type ServerOptions } from './create-server.js';
export { shutdown } from './shutdown.js';
export type { HttpErrorCode } from './http-error.js';
export type { ErrorBody } from './send-error.js';
