// The web explorer (docs/explorer.md): one HTML shell for every page path, and a fixed list of
// assets from the repository's explorer/ folder, read once when the server is built. The page
// is a client of the /v1 API like any other; nothing here reads the database. No path from a
// request ever reaches the file system: an asset is looked up by name in the list below.
// Every answer carries a Content-Security-Policy with no inline script, no inline style
// attribute, and nothing from another origin, so escaping stays the first defence, not the only.
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from './http-error.js';

/** The folder of the explorer's files: this module is dist/src/server/explorer.js. */
const assetsDir = new URL('../../../explorer/', import.meta.url);

/** Every file the explorer serves under /explorer/, with its media type. */
const assetTypes: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
  'home.js': 'text/javascript; charset=utf-8',
  'subject.js': 'text/javascript; charset=utf-8',
  'assertion.js': 'text/javascript; charset=utf-8',
  'history.js': 'text/javascript; charset=utf-8',
  'epochs.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** The page paths that answer with the shell; the script renders the page from the URL. */
const pagePaths = ['/', '/epochs', '/subjects/:subject', '/subjects/:subject/history', '/assertions/:hash'];

export const explorerContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secured(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', explorerContentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache');
}

/**
 * Registers the explorer's routes. `writesNeedToken`: the shell tells the page whether writes
 * need the bearer token, so it asks for one before the first write instead of after a 401.
 */
export function explorerRoutes(app: FastifyInstance, writesNeedToken: boolean): void {
  const files = new Map(Object.keys(assetTypes).map((name) => [name, fs.readFileSync(new URL(name, assetsDir))]));
  const shell = fs.readFileSync(new URL('index.html', assetsDir), 'utf8').replace('{{writes}}', writesNeedToken ? 'token' : 'open');

  for (const path of pagePaths) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) => secured(reply, 'text/html; charset=utf-8').send(shell));
  }
  app.get<{ Params: { name: string } }>('/explorer/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params;
    const body = Object.hasOwn(assetTypes, name) ? files.get(name) : undefined;
    if (body === undefined) throw new HttpError(404, 'NOT_FOUND', `no explorer file ${JSON.stringify(name)}`);
    return secured(reply, assetTypes[name]!).send(body);
  });
}
