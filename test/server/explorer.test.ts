// The explorer's routes, without a browser: the shell for every page path, the assets by name
// from a fixed list (nothing else under /explorer/, however it is spelled), the security
// headers, and whether the shell tells the page that writes need a token.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { assertError, getJson, startServer, type TestServer } from './support/server.js';

/** The repository's explorer/ folder: this file is dist/test/server/explorer.test.js. */
const explorerDir = new URL('../../../explorer/', import.meta.url);

async function page(server: TestServer, route: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${server.url}${route}`);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('the explorer routes', () => {
  let server: TestServer;
  let withToken: TestServer;
  before(async () => {
    server = await startServer();
    withToken = await startServer({ server: { token: 's3cret' } });
  });
  after(async () => {
    await server.close();
    await withToken.close();
  });

  test('every page path answers the HTML shell with a CSP that allows no inline script', async () => {
    for (const route of ['/', '/epochs', '/subjects/city%3A2988507', '/subjects/a%2Fb%20c/history', '/assertions/abc', '/?q=Paris']) {
      const answer = await page(server, route);
      assert.equal(answer.status, 200, route);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      const csp = answer.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assert.match(answer.text, /<script type="module" src="\/explorer\/app.js"><\/script>/);
      assert.doesNotMatch(answer.text, /<script>|\son\w+=/, 'no inline script or handler in the shell');
    }
  });

  test('the shell says whether writes need the token', async () => {
    assert.match((await page(server, '/')).text, /<meta name="stemedb-writes" content="open">/);
    assert.match((await page(withToken, '/')).text, /<meta name="stemedb-writes" content="token">/);
    // Pages are reads: the token guards writes only.
    assert.equal((await page(withToken, '/subjects/x')).status, 200);
  });

  test('every file in explorer/ is served by name with its type, and the shell only as a page', async () => {
    const types: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, svg: /^image\/svg\+xml/ };
    const names = fs.readdirSync(explorerDir).filter((name) => name !== 'index.html');
    assert.ok(names.includes('app.js'));
    for (const name of names) {
      const answer = await page(server, `/explorer/${name}`);
      assert.equal(answer.status, 200, `${name} is served (add new files to the list in src/server/explorer.ts)`);
      assert.match(answer.headers.get('content-type') ?? '', types[name.split('.').pop()!]!, name);
      assert.equal(answer.text, fs.readFileSync(new URL(name, explorerDir), 'utf8'));
      assert.ok(answer.headers.get('content-security-policy'));
    }
  });

  test('any other name under /explorer/ is 404 NOT_FOUND, never a file from elsewhere', async () => {
    for (const name of ['index.html', 'nope.js', '..%2Fpackage.json', '%2E%2E%2Fpackage.json', '__proto__', 'constructor', 'hasOwnProperty']) {
      assertError(await getJson(server, `/explorer/${name}`), 404, 'NOT_FOUND');
    }
    assertError(await getJson(server, '/explorer/../package.json'), 404, 'NOT_FOUND');
  });

  test('the explorer is not part of the API: the OpenAPI document lists /v1 routes only', async () => {
    const document = (await getJson<{ paths: Record<string, unknown> }>(server, '/v1/openapi.json')).body;
    assert.deepEqual(Object.keys(document.paths).filter((route) => !route.startsWith('/v1/') && route !== '/mcp' && route !== '/metrics'), []);
  });
});
