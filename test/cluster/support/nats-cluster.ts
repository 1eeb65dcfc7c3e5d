// Real nats-server processes for the cluster tests and bench: a JetStream cluster of n nodes
// (n = 1 runs a lone server) on free loopback ports, each with its own client, cluster and
// monitoring port and its own store directory in a temp dir, routed to each other. start()
// resolves once the meta group has a leader; each server is stopped or killed by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a cluster may take to elect its meta leader (a 3-node Raft election, here ~2-4 s). */
const metaLeaderWaitMsMax = 30_000;

/** nats-server on PATH, or undefined: the tests that need it skip, saying how to install it. */
export function natsServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const where = found.stdout.trim();
  return found.status === 0 && where !== '' ? where : undefined;
}

export const natsMissingMessage = 'nats-server is not on PATH: install it with `apt-get install -y nats-server` to run the cluster tests';

/**
 * `count` distinct free loopback ports: every listener stays open until all are allocated, so
 * the kernel cannot hand the same port out twice (one at a time, a closed port came back as a
 * server's second port, and that server died on "address already in use").
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            resolve(typeof address === 'object' && address !== null ? address.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

interface NodePorts {
  client: number;
  cluster: number;
  monitor: number;
}

export class NatsNode {
  process: ChildProcess | undefined;
  constructor(
    readonly name: string,
    readonly ports: NodePorts,
    readonly configPath: string,
    private readonly binary: string,
    private readonly logPath: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.ports.client}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  start(): void {
    const log = fs.openSync(this.logPath, 'a');
    this.process = spawn(this.binary, ['-c', this.configPath], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
  }

  /** kill -9 by pid; resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, signal);
    await exited;
    this.process = undefined;
  }

  /** Whether this server answers its monitoring port's /healthz with JetStream ready. */
  async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.ports.monitor}/healthz?js-enabled-only=true`);
      return response.ok;
    } catch {
      return false;
    }
  }

  async metaLeader(): Promise<string | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.ports.monitor}/jsz`);
      if (!response.ok) return undefined;
      const body = (await response.json()) as { meta_cluster?: { leader?: string } };
      return body.meta_cluster?.leader || undefined;
    } catch {
      return undefined;
    }
  }
}

export class NatsCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: NatsNode[],
  ) {}

  /** Comma-separated client URLs, as `stemedb serve --cluster` takes them. */
  get servers(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  static async start(size: number, binary: string): Promise<NatsCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-nats-'));
    const free = await freePorts(3 * size);
    const ports: NodePorts[] = Array.from({ length: size }, (_, i) => ({ client: free[3 * i]!, cluster: free[3 * i + 1]!, monitor: free[3 * i + 2]! }));
    const nodes = ports.map((own, i) => {
      const name = `n${i + 1}`;
      const store = path.join(dir, name);
      fs.mkdirSync(store);
      const routes = ports.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p.cluster}`);
      const lines = [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${own.client}`,
        `http: 127.0.0.1:${own.monitor}`,
        `jetstream { store_dir: ${JSON.stringify(store)} }`,
      ];
      if (size > 1) lines.push(`cluster { name: stemedb-test, listen: 127.0.0.1:${own.cluster}, routes: [${routes.join(', ')}] }`);
      const configPath = path.join(dir, `${name}.conf`);
      fs.writeFileSync(configPath, `${lines.join('\n')}\n`);
      return new NatsNode(name, own, configPath, binary, path.join(dir, `${name}.log`));
    });
    const cluster = new NatsCluster(dir, nodes);
    for (const node of nodes) node.start();
    try {
      await cluster.waitReady();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Waits until every running server is healthy and one of them names a meta leader. */
  async waitReady(): Promise<void> {
    const deadline = Date.now() + metaLeaderWaitMsMax;
    for (;;) {
      const running = this.nodes.filter((node) => node.process !== undefined);
      const healthy = await Promise.all(running.map((node) => node.healthy()));
      // A lone server has no meta group: healthy with JetStream is ready.
      const leader = !healthy.every(Boolean) ? undefined : this.nodes.length === 1 ? 'self' : await running[0]?.metaLeader();
      if (leader !== undefined) return;
      // A server that exited (a port taken after all, a bad config) will not come back: say so now.
      const dead = running.find((node) => node.process!.exitCode !== null || node.process!.signalCode !== null);
      if (dead !== undefined || Date.now() > deadline) {
        const logs = this.nodes.map((node) => `${node.name}: ${tail(path.join(this.dir, `${node.name}.log`))}`).join('\n');
        const why = dead !== undefined ? `server ${dead.name} exited while the cluster started` : `the nats-server cluster did not elect a meta leader within ${metaLeaderWaitMsMax} ms`;
        throw new Error(`${why}\n${logs}`);
      }
      await sleep(100);
    }
  }

  /** Stops every server by pid and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill('SIGKILL')));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}
