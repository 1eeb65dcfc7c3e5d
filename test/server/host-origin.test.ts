// Host and Origin: the server answers only the names it is reached by (loopback names and its
// own address with its port, plus --allow-host names), so a page that rebinds its own domain to
// 127.0.0.1 is refused; and a browser request from another site's page (an Origin that is not
// the server's) is refused on every route, reads and writes alike, before anything runs.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { StemeError } from '../../src/index.js';
import { AllowedHosts } from '../../src/server/allowed-hosts.js';
import { assertionBody } from './support/records.js';
import { hostOf, openSocket, rawRequest, type RawAnswer } from './support/raw-http.js';
import { nothingLogged } from './support/records.js';
import { startServer, type TestServer } from './support/server.js';

function loopback(port: number, address = '127.0.0.1'): AddressInfo {
  return { address, family: address.includes(':') ? 'IPv6' : 'IPv4', port };
}

function assertRefused(answer: RawAnswer, code: string): void {
  assert.equal(answer.status, 403, answer.text);
  const body = JSON.parse(answer.text) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
}

describe('the allowed Host and Origin values', () => {
  test('by default: the loopback names and the bound address, each with the bound port', () => {
    const hosts = new AllowedHosts();
    hosts.bind(loopback(7420));
    assert.deepEqual(hosts.hosts.sort(), ['127.0.0.1:7420', 'localhost:7420', '[::1]:7420'].sort());
    assert.deepEqual(hosts.origins.sort(), hosts.hosts.flatMap((h) => [`http://${h}`, `https://${h}`]).sort());
    for (const refused of ['localhost', '127.0.0.1', 'localhost:7421', 'evil.example:7420', '127.0.0.1.nip.io:7420', '']) assert.equal(hosts.allowsHost(refused), false, refused);
    assert.equal(hosts.allowsHost(undefined), false);
    assert.equal(hosts.allowsHost('LOCALHOST:7420'), true, 'names compare without case');
  });

  test('an extra name without a port is allowed with the bound port and without one; with a port, only with it', () => {
    const hosts = new AllowedHosts(['StemeDB.example', 'proxy.example:8443', '10.1.2.3', '[fd00::5]:9000']);
    hosts.bind(loopback(7420, '10.1.2.3'));
    for (const allowed of ['stemedb.example', 'stemedb.example:7420', 'proxy.example:8443', '10.1.2.3:7420', '10.1.2.3', '[fd00::5]:9000']) assert.ok(hosts.allowsHost(allowed), allowed);
    for (const refused of ['stemedb.example:8443', 'proxy.example', 'proxy.example:7420', '[fd00::5]:7420']) assert.equal(hosts.allowsHost(refused), false, refused);
    assert.ok(hosts.allowsOrigin('https://stemedb.example'));
    assert.equal(hosts.allowsOrigin('https://stemedb.example.evil.example'), false);
  });

  test('port 80 is also allowed without the port, as browsers send it', () => {
    const hosts = new AllowedHosts();
    hosts.bind(loopback(80));
    assert.ok(hosts.allowsHost('localhost'));
    assert.ok(hosts.allowsHost('localhost:80'));
    assert.ok(hosts.allowsOrigin('http://localhost'));
  });

  test('bound to a wildcard address: every interface address is allowed too, IPv6 in brackets', () => {
    const hosts = new AllowedHosts();
    hosts.bind(loopback(7420, '0.0.0.0'));
    const addresses = Object.values(os.networkInterfaces()).flatMap((entries) => entries ?? []).filter((e) => !(e.family === 'IPv6' && e.scopeid !== 0));
    assert.ok(addresses.length > 0);
    for (const entry of addresses) assert.ok(hosts.allowsHost(`${entry.family === 'IPv6' ? `[${entry.address}]` : entry.address}:7420`), entry.address);
    assert.equal(hosts.allowsHost('0.0.0.0:7420'), false, 'the wildcard itself is not an address anyone reaches');
  });

  test('the list is one array for the server\'s life, filled when it listens (the MCP transport may hold it)', () => {
    const hosts = new AllowedHosts(['example.org']);
    const list = hosts.hosts;
    assert.equal(list.length, 0);
    // Before it listens (app.inject), names are compared without ports.
    assert.ok(hosts.allowsHost('localhost:80'));
    assert.ok(hosts.allowsHost('example.org:1234'));
    assert.equal(hosts.allowsHost('evil.example:80'), false);
    hosts.bind(loopback(5000));
    assert.equal(hosts.hosts, list);
    assert.ok(list.includes('example.org:5000'));
  });

  test('a name that is not a host name or address is refused with INVALID_ARGUMENT', () => {
    for (const bad of ['', 'http://example.org', 'example.org/path', 'exa mple.org', '*', 'example.org:0', 'example.org:70000', '[::1', 'user@example.org']) {
      assert.throws(() => new AllowedHosts([bad]), (error: unknown) => error instanceof StemeError && error.code === 'INVALID_ARGUMENT', bad);
    }
  });
});

describe('a server checks Host and Origin', () => {
  let server: TestServer;
  let host: string;
  before(async () => {
    server = await startServer({ server: { logger: false, allowedHosts: ['stemedb.example'] } });
    host = hostOf(server.url);
  });
  after(async () => {
    await server.close();
  });

  test('its own names are answered: 127.0.0.1, localhost and [::1] with its port, and an allowed name', async () => {
    const port = new URL(server.url).port;
    for (const name of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'stemedb.example', `stemedb.example:${port}`]) {
      const answer = await rawRequest(server.url, { path: '/v1/stats', headers: { host: name } });
      assert.equal(answer.status, 200, `${name}: ${answer.text}`);
    }
  });

  test('a rebinding page\'s Host is refused with 403 HOST_NOT_ALLOWED on every route, before anything runs', async () => {
    const port = new URL(server.url).port;
    const foreign = `attacker.example:${port}`;
    for (const path of ['/v1/stats', '/v1/health', '/metrics', '/', '/explorer/app.js', '/v1/changes', '/no/such/route']) {
      assertRefused(await rawRequest(server.url, { path, headers: { host: foreign } }), 'HOST_NOT_ALLOWED');
    }
    await nothingLogged(server, async () => {
      const body = JSON.stringify(assertionBody('rebound'));
      assertRefused(await rawRequest(server.url, { method: 'POST', path: '/v1/assertions', headers: { host: foreign, 'content-type': 'application/json' }, body }), 'HOST_NOT_ALLOWED');
      const mcp = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'assert', arguments: { subject: 's', predicate: 'p', object: 1 } } });
      assertRefused(await rawRequest(server.url, { method: 'POST', path: '/mcp', headers: { host: foreign, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: mcp }), 'HOST_NOT_ALLOWED');
    });
  });

  test('the same name on another port, and a request with no Host at all, are refused', async () => {
    assertRefused(await rawRequest(server.url, { path: '/v1/stats', headers: { host: '127.0.0.1:1' } }), 'HOST_NOT_ALLOWED');
    // HTTP/1.0 lets a client leave Host out.
    const { socket, received, closed } = await openSocket(server.url);
    socket.write('GET /v1/stats HTTP/1.0\r\n\r\n');
    await closed;
    assert.match(received(), /^HTTP\/1\.1 403 /);
    assert.match(received(), /"code":"HOST_NOT_ALLOWED"/);
  });

  test('a page of the server itself may call it: its Origin, http or https, is answered', async () => {
    for (const origin of [`http://${host}`, `https://${host}`, 'http://stemedb.example']) {
      const answer = await rawRequest(server.url, { method: 'POST', path: '/v1/assertions', headers: { host, origin, 'content-type': 'application/json' }, body: JSON.stringify(assertionBody(`origin ${origin}`)) });
      assert.equal(answer.status, 201, `${origin}: ${answer.text}`);
    }
  });

  test('a request from another site\'s page is refused with 403 ORIGIN_NOT_ALLOWED, reads included, and writes nothing', async () => {
    const port = new URL(server.url).port;
    const foreignOrigins = ['http://attacker.example', `http://attacker.example:${port}`, `http://localhost:${Number(port) + 1}`, 'null', 'http://127.0.0.1', `file://${host}`];
    await nothingLogged(server, async () => {
      for (const origin of foreignOrigins) {
        const body = JSON.stringify(assertionBody(`cross-site ${origin}`));
        assertRefused(await rawRequest(server.url, { method: 'POST', path: '/v1/assertions', headers: { host, origin, 'content-type': 'application/json' }, body }), 'ORIGIN_NOT_ALLOWED');
        assertRefused(await rawRequest(server.url, { path: '/v1/stats', headers: { host, origin } }), 'ORIGIN_NOT_ALLOWED');
        assertRefused(await rawRequest(server.url, { path: '/v1/changes', headers: { host, origin, accept: 'text/event-stream' } }), 'ORIGIN_NOT_ALLOWED');
      }
    });
  });
});
