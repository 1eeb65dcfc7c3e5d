// Answers the errors Node raises on a connection before fastify sees a request (a request or
// its headers not received within their timeouts, headers too large, bytes that are not HTTP)
// in our error shape, then closes the connection, as fastify's own handler does with another body.
import type { Socket } from 'node:net';
import { httpHeadersBytesMax } from '../limits.js';
import { HttpError } from './http-error.js';

function refusalOf(code: string | undefined): HttpError {
  // ERR_HTTP_REQUEST_TIMEOUT covers the headers timeout too: Node raises the same code for both.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new HttpError(408, 'REQUEST_TIMEOUT', 'the request (headers and body) was not received in time; the connection is closed');
  if (code === 'HPE_HEADER_OVERFLOW') return new HttpError(431, 'HEADERS_TOO_LARGE', `the request headers are larger than the server accepts (${httpHeadersBytesMax} bytes)`);
  return new HttpError(400, 'INVALID_REQUEST', 'the request is not valid HTTP');
}

const reasons: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** fastify's clientErrorHandler: writes the refusal when nothing was written on the socket yet, then closes it. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection is gone; there is nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = refusalOf(error.code);
  // A response already under way cannot take a second status line (Node's own handler checks the same).
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && response?.headersSent !== true) {
    const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
    socket.write(`HTTP/1.1 ${refusal.status} ${reasons[refusal.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
