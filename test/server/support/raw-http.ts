// Requests with headers fetch() would not let a test choose (Host), and raw sockets for clients
// that send slowly or never read: what a hostile or broken client does on the wire.
import http from 'node:http';
import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request to the server at `base` (its URL), with exactly these headers (Host included when given). */
export function rawRequest(base: string, { method = 'GET', path, headers = {}, body }: RawRequest): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path, headers: { ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }), ...headers }, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A TCP connection to the server at `base`, everything it receives collected in `received`. */
export async function openSocket(base: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const url = new URL(base);
  const socket = net.connect(Number(url.port), url.hostname);
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed };
}

/** The Host header a client of `base` sends: host and port. */
export function hostOf(base: string): string {
  return new URL(base).host;
}

export interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the response has ended or the connection closed. */
  ended: Promise<void>;
  close(): void;
}

/** Starts a request and resolves with its status and headers as soon as they arrive, leaving the body streaming. */
export function openStream(base: string, path: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => {
        response.once('end', () => done());
        response.once('close', () => done());
      });
      response.on('error', () => undefined);
      resolve({ status: response.statusCode ?? 0, headers: response.headers, text: () => text, ended, close: () => request.destroy() });
    });
    request.on('error', reject);
    request.end();
  });
}
