// Cluster mode over a real 3-node JetStream cluster: a retried publish is stored once, a node
// with another partition count refuses to start, and a read about a foreign partition is
// forwarded to its owner, or answered 421 NOT_OWNER naming the owners when none answers; the
// forwarding header is honoured only with the key the sending node announced on NATS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { StemeDB, type ClusterVerifyReport, type StemeDBOptions } from '../../src/index.js';
import { stemedbAsync } from '../cli/fixtures/cli.js';
import { createServer, type ErrorBody } from '../../src/server/index.js';
import { tempDir } from '../support/temp-dir.js';
import { NatsCluster, natsMissingMessage, natsServerPath } from './support/nats-cluster.js';

const binary = natsServerPath();
const skip = binary === undefined ? natsMissingMessage : false;

describe('cluster partitions', { skip, timeout: 110_000 }, () => {
  let nats: NatsCluster;
  before(async () => {
    nats = await NatsCluster.start(3, binary!);
  });
  after(async () => {
    await nats?.stop();
  });

  const clusterOptions = (stream: string, partitions: string, node: string, partitionCount: number | undefined = 3): StemeDBOptions => ({
    log: () => undefined,
    cluster: { servers: nats.nodes.map((n) => n.url), stream, partitionCount, partitions, replicas: 3, node },
  });

  test('a retried publish of the same record is stored once, and the node holds it once', async (t) => {
    const db = await StemeDB.open(tempDir(t), clusterOptions('DEDUPE', 'all', 'd1'));
    try {
      const input = { subject: 'water', predicate: 'boils-at', object: 100, source: 'me', createdAt: 1_700_000_000_000 };
      const first = await db.assert(input);
      const second = await db.assert(input);
      assert.equal(second.hash, first.hash);
      const nc = await connect({ servers: nats.nodes[0]!.url });
      try {
        // Publishing the very bytes again with the same Nats-Msg-Id, as a client retrying would.
        const js = jetstream(nc);
        const k = db.cluster!.partitionOf('water');
        const stored = (await jetstreamManager(nc)).streams.getMessage('DEDUPE', { last_by_subj: `dedupe.p.${k}` });
        const message = await stored;
        assert.ok(message !== null);
        const ack = await js.publish(`dedupe.p.${k}`, message.data, { msgID: first.hash });
        assert.equal(ack.duplicate, true);
        assert.equal(ack.seq, message.seq);
        const info = await (await jetstreamManager(nc)).streams.info('DEDUPE');
        assert.equal(info.state.messages, 1);
      } finally {
        await nc.close();
      }
      assert.equal(db.stats().records.assertions, 1);
    } finally {
      await db.close();
    }
  });

  test('a node started with another partition count refuses to start with PARTITION_MISMATCH; one without a count adopts the stream\'s', async (t) => {
    const db = await StemeDB.open(tempDir(t), clusterOptions('FIXEDP', 'all', 'p3', 3));
    await db.close();
    await assert.rejects(StemeDB.open(tempDir(t), clusterOptions('FIXEDP', 'all', 'p5', 5)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PARTITION_MISMATCH');
      assert.match(error.message, /created with 3 partitions.*started with 5/);
      return true;
    });
    // Without a partition count, a node adopts the stream's.
    const adopting = await StemeDB.open(tempDir(t), clusterOptions('FIXEDP', 'all', 'p-any', undefined));
    try {
      assert.equal(adopting.cluster!.info.partitionCount, 3);
    } finally {
      await adopting.close();
    }
  });

  test('verify --cluster finds the store equal to the stream, and names records a store lacks', async (t) => {
    const dir = tempDir(t);
    const db = await StemeDB.open(dir, clusterOptions('VERIFY', 'all', 'v1'));
    const hashes: string[] = [];
    try {
      for (let i = 0; i < 20; i++) hashes.push((await db.assert({ subject: `v${i}`, predicate: 'p', object: i, source: 'me' })).hash);
    } finally {
      await db.close();
    }
    const args = ['--json', 'verify', '--cluster', nats.servers, '--stream', 'VERIFY', '--partition-count', '3'];
    const clean = await stemedbAsync(dir, args);
    assert.equal(clean.status, 0, clean.stderr);
    const report = JSON.parse(clean.stdout) as ClusterVerifyReport;
    assert.equal(report.ok, true);
    assert.equal(report.subjects.reduce((sum, s) => sum + s.compared, 0), 20);
    // A directory whose checkpoint claims the stream but whose store holds nothing.
    const hollow = tempDir(t);
    fs.copyFileSync(path.join(dir, 'cluster-checkpoint.json'), path.join(hollow, 'cluster-checkpoint.json'));
    const damaged = await stemedbAsync(hollow, args);
    assert.equal(damaged.status, 1, damaged.stderr);
    const missing = (JSON.parse(damaged.stdout) as ClusterVerifyReport).subjects.flatMap((s) => s.missing);
    assert.equal(missing.length, 20);
    for (const hash of hashes) assert.ok(missing.some((m) => m.startsWith(hash)), `verify names ${hash}`);
  });

  test('a read about a foreign partition is forwarded to its owner, else NOT_OWNER names the owners (their URLs only to a caller with the token)', async (t) => {
    const token = 'cluster-token';
    const serve = async (partitions: string, node: string): Promise<{ db: StemeDB; app: FastifyInstance; url: string }> => {
      const db = await StemeDB.open(tempDir(t), clusterOptions('FORWARD', partitions, node));
      const app = await createServer(db, { logger: false, token });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address() as { port: number };
      const url = `http://127.0.0.1:${address.port}`;
      db.cluster!.announceUrl(url);
      return { db, app, url };
    };
    const a = await serve('0', 'node-a');
    const b = await serve('1,2', 'node-b');
    let bClosed = false;
    try {
      // A subject in a partition only b owns, written through a.
      let subject = 's0';
      for (let i = 0; a.db.cluster!.partitionOf(subject) === 0; i++) subject = `s${i}`;
      const written = await a.db.assert({ subject, predicate: 'p', object: 1, source: 'me' });
      assert.equal(written.lsn, -1, 'a holds no LSN for a partition it does not own');
      // a learns of b within an announcement period.
      for (let i = 0; i < 50 && a.db.cluster!.ownersOf(1).length + a.db.cluster!.ownersOf(2).length === 0; i++) await sleep(100);
      // Written through a non-owner, the write did not wait for b to show it: b shows it soon.
      let response: Response | undefined;
      let text = '';
      for (let i = 0; i < 50; i++) {
        response = await fetch(`${a.url}/v1/subjects/${subject}/beliefs`);
        text = await response.text();
        if (response.status === 200 && text.includes(written.hash)) break;
        await sleep(100);
      }
      assert.equal(response!.status, 200);
      assert.equal(response!.headers.get('x-stemedb-served-by'), 'node-b');
      const beliefs = JSON.parse(text) as { subject: string; predicates: unknown[] };
      assert.equal(beliefs.subject, subject);
      assert.equal(beliefs.predicates.length, 1);
      assert.ok(text.includes(written.hash), 'b answers with the assertion a published');
      // By hash: a does not hold it, b answers.
      const byHash = await fetch(`${a.url}/v1/assertions/${written.hash}`);
      assert.equal(byHash.status, 200);
      // The forwarding header from anyone but a node is not honoured: the read is forwarded as any other.
      const forgeries: Array<Record<string, string>> = [{ 'x-stemedb-forwarded': 'test' }, { 'x-stemedb-forwarded': 'node-b', 'x-stemedb-peer-key': 'guess' }, { 'x-stemedb-forwarded': 'node-b' }];
      for (const forged of forgeries) {
        const relayed = await fetch(`${a.url}/v1/subjects/${subject}/history`, { headers: forged });
        assert.equal(relayed.status, 200, JSON.stringify(forged));
        assert.equal(relayed.headers.get('x-stemedb-served-by'), 'node-b');
      }
      // A request a node forwarded (its name and the key it announced on NATS) is never forwarded again: NOT_OWNER, naming b.
      const fromB = b.db.cluster!.forwardingCredentials();
      const peer = { 'x-stemedb-forwarded': fromB.node, 'x-stemedb-peer-key': fromB.key };
      const once = await fetch(`${a.url}/v1/subjects/${subject}/history`, { headers: peer });
      assert.equal(once.status, 421);
      const body = (await once.json()) as ErrorBody;
      assert.equal(body.error.code, 'NOT_OWNER');
      assert.match(body.error.message, /node-b/);
      assert.ok(!body.error.message.includes(b.url), `no internal URL without the token: ${body.error.message}`);
      const withToken = await fetch(`${a.url}/v1/subjects/${subject}/history`, { headers: { ...peer, authorization: `Bearer ${token}` } });
      assert.equal(withToken.status, 421);
      assert.ok(((await withToken.json()) as ErrorBody).error.message.includes(`node-b (${b.url})`), 'the token holder sees where to go');
      const wrongToken = await fetch(`${a.url}/v1/subjects/${subject}/history`, { headers: { ...peer, authorization: 'Bearer wrong' } });
      assert.ok(!((await wrongToken.json()) as ErrorBody).error.message.includes(b.url));
      // b gone: once its announcements are stale, a answers NOT_OWNER naming no one reachable.
      await b.app.close();
      await b.db.close();
      bClosed = true;
      let gone: Response | undefined;
      for (let i = 0; i < 80; i++) {
        gone = await fetch(`${a.url}/v1/subjects/${subject}/beliefs`);
        if (gone.status === 421) break;
        await sleep(100);
      }
      assert.equal(gone!.status, 421);
      assert.equal(((await gone!.json()) as ErrorBody).error.code, 'NOT_OWNER');
      // b's key goes with b: once its announcements are stale, its forwarding headers are not honoured.
      for (let i = 0; i < 80 && a.db.cluster!.isPeer(fromB.node, fromB.key); i++) await sleep(100);
      assert.equal(a.db.cluster!.isPeer(fromB.node, fromB.key), false);
      assert.equal(a.db.cluster!.isPeer(a.db.cluster!.info.node, a.db.cluster!.forwardingCredentials().key), true);
    } finally {
      await a.app.close();
      await a.db.close();
      if (!bClosed) {
        await b.app.close();
        await b.db.close();
      }
    }
  });
});
