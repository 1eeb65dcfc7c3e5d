// Which Host and Origin headers the server answers (docs/http-api.md#host-and-origin). A web
// page on another site can make the browser send requests here: DNS rebinding points a name it
// controls at 127.0.0.1 (its requests then carry that name as Host), and a page can post to
// any address (its requests carry its Origin). So a request whose Host is not one of this
// server's own names, or whose Origin is present and not one of its origins, is refused before
// any route runs. The list is complete once the server listens (the port is known only then).
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../index.js';
import { HttpError } from './http-error.js';

/** The names a loopback server is reached by. */
const loopbackNames = ['localhost', '127.0.0.1', '[::1]'];

/** A Host value: a name (or an IPv6 literal in brackets) and an optional port. */
const hostPattern = /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::([0-9]{1,5}))?$/;

interface HostName {
  name: string;
  /** undefined: the name with the bound port, and without a port. */
  port: number | undefined;
}

function parseHostName(value: string): HostName | undefined {
  const match = hostPattern.exec(value.toLowerCase());
  if (match === null) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { name: match[1]!, port };
}

/** Whether `value` is a name the allowlist takes (serve checks --allow-host with it before it opens anything). */
export function isAllowedHostName(value: string): boolean {
  return parseHostName(value) !== undefined;
}

/** An address as it appears in a Host header: IPv6 in brackets. */
function hostOfAddress(address: string): string {
  return address.includes(':') ? `[${address.toLowerCase()}]` : address;
}

/** The addresses of this machine's interfaces, for a server bound to a wildcard address. */
function interfaceAddresses(): string[] {
  const found: string[] = [];
  for (const entries of Object.values(os.networkInterfaces())) {
    // A link-local IPv6 address needs a zone id (fe80::1%eth0), which a Host header cannot carry.
    for (const entry of entries ?? []) if (!(entry.family === 'IPv6' && entry.scopeid !== 0)) found.push(hostOfAddress(entry.address));
  }
  return found;
}

export class AllowedHosts {
  /**
   * Every Host header value answered, lowercase: the loopback names, the bound address (every
   * interface's address when bound to 0.0.0.0 or ::) and the listen host, with the bound port; each extra
   * name with the bound port and without one (or with the port it names). The same array for
   * the server's life, filled when it listens: the MCP transport may hold it from the start.
   */
  readonly hosts: string[] = [];
  /** Every Origin header value answered: http:// and https:// with each of `hosts`. */
  readonly origins: string[] = [];
  private readonly extra: readonly HostName[];
  /** The name the server listens on as given (a host name, or an address), unless a wildcard. */
  private readonly listenName: string | undefined;
  private hostSet = new Set<string>();
  private originSet = new Set<string>();
  private bound = false;

  /**
   * `extra`: names the server is also reached by (serve --allow-host): `name` or `name:port`.
   * `listenHost`: the name or address it listens on as given (serve --host), allowed with the bound port.
   */
  constructor(extra: readonly string[] = [], listenHost?: string) {
    this.extra = extra.map((value) => {
      const parsed = parseHostName(value);
      if (parsed === undefined) throw new InvalidArgumentError(`an allowed host is a host name or address with an optional port (example.com, 10.0.0.5:7420, [::1]); got ${JSON.stringify(value)}`);
      return parsed;
    });
    const wildcard = listenHost === undefined || listenHost === '0.0.0.0' || listenHost === '::';
    this.listenName = wildcard ? undefined : hostOfAddress(listenHost.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  }

  /** Completes the list from the address the server listens on. */
  bind(address: AddressInfo): void {
    const values = new Set<string>();
    // A browser leaves the port out of Host when it is the scheme's default (80 for http).
    const add = (name: string, port: number): void => {
      values.add(`${name}:${port}`);
      if (port === 80) values.add(name);
    };
    const wildcard = address.address === '0.0.0.0' || address.address === '::';
    const own = [...loopbackNames, ...(wildcard ? interfaceAddresses() : [hostOfAddress(address.address)]), ...(this.listenName === undefined ? [] : [this.listenName])];
    for (const name of own) add(name, address.port);
    for (const { name, port } of this.extra) {
      add(name, port ?? address.port);
      // Without a port: reached directly (the bound port) or through a proxy on 80 or 443 (no port).
      if (port === undefined) values.add(name);
    }
    this.hosts.splice(0, this.hosts.length, ...values);
    this.origins.splice(0, this.origins.length, ...[...values].flatMap((host) => [`http://${host}`, `https://${host}`]));
    this.hostSet = new Set(this.hosts);
    this.originSet = new Set(this.origins);
    this.bound = true;
  }

  /** Whether a request with this Host header is answered. Before the server listens, the names are compared without ports. */
  allowsHost(value: string | undefined): boolean {
    if (value === undefined) return false;
    const host = value.toLowerCase();
    if (this.bound) return this.hostSet.has(host);
    const parsed = parseHostName(host);
    return parsed !== undefined && (loopbackNames.includes(parsed.name) || parsed.name === this.listenName || this.extra.some((e) => e.name === parsed.name));
  }

  /** Whether a request with this Origin header (when it has one) is answered. */
  allowsOrigin(value: string): boolean {
    const origin = value.toLowerCase();
    if (this.bound) return this.originSet.has(origin);
    const match = /^https?:\/\/(.+)$/.exec(origin);
    return match !== null && this.allowsHost(match[1]);
  }
}

/** How much of a refused header the error message repeats. */
const shownChars = 256;

/** Refuses, before any route runs, a request whose Host or Origin is not this server's (403). */
export function refuseForeignHosts(app: FastifyInstance, hosts: AllowedHosts): void {
  app.server.on('listening', () => {
    const address = app.server.address();
    if (typeof address === 'object' && address !== null) hosts.bind(address);
  });
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const host = request.headers.host;
    if (!hosts.allowsHost(host)) {
      throw new HttpError(403, 'HOST_NOT_ALLOWED', `this server does not answer to the Host ${JSON.stringify((host ?? '').slice(0, shownChars))}; start it with --allow-host to add a name (docs/http-api.md#host-and-origin)`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !hosts.allowsOrigin(origin)) {
      throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `requests from pages at ${JSON.stringify(origin.slice(0, shownChars))} are refused: only this server's own pages may call it from a browser`);
    }
  });
}
