// The cluster's promise under failure, with real processes: 32 concurrent writers through two
// StemeDB nodes (A owns every partition, B owns 0 and 1) over a 3-node JetStream cluster (R3,
// P = 3) while one nats-server is killed with SIGKILL and restarted, and node B is killed with
// SIGKILL and restarted, once on its data and once on an empty directory. Afterwards every
// acknowledged write is readable from every node that owns its partition, beliefs and tallies
// equal those of a single-node store fed the stream's records, and no record is applied twice.
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { StemeDB } from '../../src/index.js';
import { decodeRecord, hashRecordBytes } from '../../src/records/index.js';
import { exitOf, spawnStemedb, waitForOutput } from '../cli/fixtures/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { NatsCluster, natsMissingMessage, natsServerPath } from './support/nats-cluster.js';
import { peerHeaders } from './support/peer-headers.js';

const binary = natsServerPath();
const skip = binary === undefined ? natsMissingMessage : false;
const writersCount = 32;
const partitionCount = 3;

interface Acked {
  kind: 'assertion' | 'vote';
  hash: string;
  subject: string;
  /** The assertion a vote is on. */
  assertion?: string;
}

const decodeRecordHash = (data: Uint8Array): string => hashRecordBytes(data);

/** Drops LSN-valued fields: each store has its own LSNs; everything else must be equal. */
function withoutLsns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLsns);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !/lsn/i.test(key)).map(([key, v]) => [key, withoutLsns(v)]));
}

describe('cluster under kill -9', { skip, timeout: 115_000 }, () => {
  let nats: NatsCluster;
  before(async () => {
    nats = await NatsCluster.start(3, binary!);
  });
  after(async () => {
    await nats?.stop();
  });

  test('every acknowledged write survives killed nats-servers and nodes, applied once, with single-node beliefs', async (t) => {
    const children = new Set<ChildProcessWithoutNullStreams>();
    t.after(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const startNode = async (dir: string, name: string, partitions: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> => {
      const args = ['--json', 'serve', '--port', '0', '--log-level', 'silent', '--cluster', nats.servers, '--stream', 'KILLS', '--partition-count', String(partitionCount), '--partitions', partitions, '--replicas', '3', '--node', name];
      const child = spawnStemedb(dir, args);
      children.add(child);
      const match = await waitForOutput(child, /"url":\s*"([^"]+)"/, 60_000);
      return { child, url: match[1]!.replace(/\/$/, '') };
    };
    const killNode = async (child: ChildProcessWithoutNullStreams): Promise<void> => {
      process.kill(child.pid!, 'SIGKILL');
      await exitOf(child);
      children.delete(child);
    };

    const a = await startNode(tempDir(t), 'node-a', 'all');
    const bDir = tempDir(t);
    let b = await startNode(bDir, 'node-b', '0,1');
    const urls = [a.url, b.url];
    const acked: Acked[] = [];
    let failures = 0;
    let stop = false;
    const post = async (writer: number, path: string, body: unknown): Promise<{ hash: string } | undefined> => {
      const url = urls[(writer + failures) % urls.length]!;
      try {
        const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
        if (response.status !== 201) {
          failures += 1;
          return undefined;
        }
        return (await response.json()) as { hash: string };
      } catch {
        failures += 1; // the node was killed: not acknowledged, so nothing is promised about it
        return undefined;
      }
    };
    const writer = async (w: number): Promise<void> => {
      const mine: Acked[] = [];
      for (let i = 0; !stop; i++) {
        const target = i % 3 === 2 ? mine[i % mine.length] : undefined;
        if (target !== undefined) {
          const vote = await post(w, '/v1/votes', { assertion: target.hash, voter: `voter-${i % 4}`, stance: i % 2 === 0 ? 'support' : 'oppose' });
          if (vote !== undefined) acked.push({ kind: 'vote', hash: vote.hash, subject: target.subject, assertion: target.hash });
        } else {
          const subject = `w${w}-s${i % 4}`;
          const assertion = await post(w, '/v1/assertions', { subject, predicate: `p${i % 2}`, object: { w, i }, source: `writer-${w}` });
          if (assertion !== undefined) {
            const entry: Acked = { kind: 'assertion', hash: assertion.hash, subject };
            acked.push(entry);
            mine.push(entry);
          }
        }
      }
    };
    const writing = Promise.all(Array.from({ length: writersCount }, (_, w) => writer(w)));
    try {
      await sleep(1_500);
      await nats.nodes[1]!.kill('SIGKILL');
      await sleep(1_500);
      nats.nodes[1]!.start();
      await sleep(1_000);
      await killNode(b.child);
      await sleep(500);
      b = await startNode(bDir, 'node-b', '0,1'); // on its data: resumes from its checkpoint
      urls[1] = b.url;
      await sleep(1_500);
      await killNode(b.child);
      b = await startNode(tempDir(t), 'node-b', '0,1'); // an empty directory: rebuilt from the stream
      urls[1] = b.url;
      await sleep(1_500);
    } finally {
      stop = true;
      await writing;
    }
    assert.ok(acked.length > 100, `only ${acked.length} writes were acknowledged`);

    // The stream's records, in order: what a single-node store is fed.
    const nc = await connect({ servers: nats.servers.split(',') });
    const streamRecords: Array<{ subject: string; data: Uint8Array }> = [];
    try {
      const consumer = await jetstream(nc).consumers.get('KILLS');
      const messages = await consumer.fetch({ max_messages: 1_000_000, expires: 5_000 });
      let last = 0;
      for await (const message of messages) {
        streamRecords.push({ subject: message.subject, data: message.data });
        last = message.seq;
        if (message.info.pending === 0) break;
      }
      assert.ok(last > 0);
    } finally {
      await nc.close();
    }
    const reference = await StemeDB.open(tempDir(t), { store: 'memory', sync: 'none', log: () => undefined });
    try {
      const inputs = streamRecords.map((m) => decodeRecord(m.data) as unknown as Record<string, unknown>);
      for (let i = 0; i < inputs.length; i += 1000) await reference.appendBatch(inputs.slice(i, i + 1000));
      const partitionOfSubject = new Map<string, number>();
      for (const m of streamRecords) {
        const record = decodeRecord(m.data);
        if (record.type === 'assertion') partitionOfSubject.set(record.subject, Number(m.subject.split('.').pop()));
      }
      // Reads carry each node's own forwarding headers, so a node answers from its store and
      // never asks the other (which could hide a record it lacks).
      const owners = [
        { url: a.url, owns: (k: number) => k >= 0, headers: await peerHeaders(nats.servers, 'kills', 'node-a') },
        { url: b.url, owns: (k: number) => k === 0 || k === 1, headers: await peerHeaders(nats.servers, 'kills', 'node-b') },
      ];
      // Applied once: each node's counts reach exactly the stream's records of its partitions
      // (replays, retried publishes and restarts added nothing), then beliefs can be compared.
      const expected = (owns: (k: number) => boolean): Record<string, number> => {
        const counts: Record<string, number> = { assertions: 0, votes: 0, epochs: 0, retractions: 0 };
        const seen = new Set<string>();
        for (const m of streamRecords) {
          const k = Number(m.subject.split('.').pop());
          const hash = hashRecordBytes(m.data);
          if (!owns(k) || seen.has(hash)) continue;
          seen.add(hash);
          counts[`${decodeRecord(m.data).type}s`]! += 1;
        }
        return counts;
      };
      for (const node of owners) {
        const want = expected(node.owns);
        let records: Record<string, number> = {};
        for (let attempt = 0; attempt < 300; attempt++) {
          records = ((await (await fetch(`${node.url}/v1/stats`)).json()) as { records: Record<string, number> }).records;
          if (records.assertions! >= want.assertions! && records.votes! >= want.votes!) break;
          await sleep(100);
        }
        assert.deepEqual(records, want, `${node.url === a.url ? 'A' : 'B'} holds each record of its partitions once`);
      }
      assert.deepEqual(expected(() => true), reference.stats().records);
      // Every acknowledged write is readable from every node that owns its partition.
      for (const node of owners) {
        for (const write of acked) {
          const k = partitionOfSubject.get(write.subject);
          assert.ok(k !== undefined, `acknowledged ${write.kind} ${write.hash} is in the stream`);
          if (!node.owns(k)) continue;
          const path = write.kind === 'assertion' ? `/v1/assertions/${write.hash}` : `/v1/assertions/${write.assertion}/votes`;
          let text = '';
          for (let attempt = 0; attempt < 300; attempt++) {
            const response = await fetch(`${node.url}${path}`, { headers: node.headers });
            text = await response.text();
            if (response.status === 200 && text.includes(write.hash)) break;
            await sleep(100);
          }
          const inStream = streamRecords.filter((m) => Buffer.from(m.data).length > 0 && decodeRecordHash(m.data) === write.hash).map((m) => m.subject);
          assert.ok(text.includes(write.hash), `${node.url === a.url ? 'A' : 'B'} lacks acknowledged ${write.kind} ${write.hash} (partition of its subject ${k}; in the stream on ${JSON.stringify(inStream)}): ${text.slice(0, 200)}`);
        }
      }
      // Beliefs (with every candidate's tally) equal the single-node store's, per subject.
      const subjects = [...new Set(acked.map((w) => w.subject))];
      for (const node of owners) {
        for (const subject of subjects) {
          if (!node.owns(partitionOfSubject.get(subject)!)) continue;
          const response = await fetch(`${node.url}/v1/subjects/${encodeURIComponent(subject)}/beliefs`, { headers: node.headers });
          assert.equal(response.status, 200);
          assert.deepEqual(withoutLsns(await response.json()), withoutLsns(JSON.parse(JSON.stringify(reference.beliefs(subject)))), `beliefs about ${subject} at ${node.url === a.url ? 'A' : 'B'} (partition ${partitionOfSubject.get(subject)})`);
        }
      }
      // Tallies of every acknowledged voted assertion, at A (owns all).
      for (const write of acked.filter((w) => w.kind === 'vote').slice(0, 200)) {
        const response = await fetch(`${a.url}/v1/assertions/${write.assertion}/votes`);
        const body = (await response.json()) as { tally: unknown };
        assert.deepEqual(withoutLsns(body.tally), withoutLsns(JSON.parse(JSON.stringify(reference.tally(write.assertion!)))));
      }
    } finally {
      await reference.close();
    }
  });
});
