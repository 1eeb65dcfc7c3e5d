// bench:cluster — acknowledged writes through cluster mode against the local WAL, with 64
// closed-loop writers (each awaits its write: durable in the stream and, by default, shown by the
// node): (a) one node on its local WAL (single-node mode), (b) one node over a 1-server JetStream
// (R1), (c) one node over a 3-server JetStream cluster (R3, P = 3), (d) three nodes over R3 with
// P = 3, each owning one partition, the writers spread over them (in one process: one event loop
// for all three). Then the catch-up rate of a node started on an empty directory rebuilding from a
// stream of 200k records. Real nats-server processes on loopback; on 2 shared cores scaling cannot
// show. Prints a table; asserts nothing. Usage: node dist/bench/cluster.js [--quick]
import { StemeDB, type ClusterOptions } from '../src/index.js';
import { NatsCluster, natsMissingMessage, natsServerPath } from '../test/cluster/support/nats-cluster.js';
import { benchDir, formatTable, percentile, type Row } from './support.js';

const quick = process.argv.includes('--quick');
const writers = 64;
const writesPerCase = quick ? 2_000 : 10_000;
const catchUpRecords = quick ? 20_000 : 200_000;
const quiet = (): void => undefined;

function assertion(i: number): Record<string, unknown> {
  return { type: 'assertion', subject: `city:${i % 5000}`, predicate: 'population', object: { n: i }, source: 'bench', createdAt: 1_700_000_000_000 + i };
}

/** 64 closed-loop writers over `dbs` (writer w uses dbs[w % n]); acknowledged writes/s and latency. */
async function writeLoad(name: string, dbs: StemeDB[], note: string): Promise<Row> {
  const latenciesUs: number[] = [];
  let next = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const db = dbs[w % dbs.length]!;
      for (let i = next++; i < writesPerCase; i = next++) {
        const start = performance.now();
        await db.assert(assertion(i) as never);
        latenciesUs.push((performance.now() - start) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  return { name, opsPerSec: writesPerCase / seconds, p50Us: percentile(latenciesUs, 50), p99Us: percentile(latenciesUs, 99), note };
}

function cluster(nats: NatsCluster, stream: string, partitionCount: number, partitions: string, replicas: number, node: string): ClusterOptions {
  return { servers: nats.nodes.map((n) => n.url), stream, partitionCount, partitions, replicas, node };
}

async function main(): Promise<void> {
  const binary = natsServerPath();
  if (binary === undefined) {
    console.log(`bench:cluster: ${natsMissingMessage}`);
    return;
  }
  const rows: Row[] = [];

  const local = await StemeDB.open(benchDir('cluster-local'), { log: quiet });
  rows.push(await writeLoad('(a) local WAL, one node', [local], 'single-node mode'));
  await local.close();

  const one = await NatsCluster.start(1, binary);
  try {
    const db = await StemeDB.open(benchDir('cluster-r1'), { log: quiet, cluster: cluster(one, 'BENCH', 1, 'all', 1, 'r1') });
    rows.push(await writeLoad('(b) one node, 1-server JetStream R1, P=1', [db], ''));
    await db.close();
  } finally {
    await one.stop();
  }

  const three = await NatsCluster.start(3, binary);
  try {
    const db = await StemeDB.open(benchDir('cluster-r3'), { log: quiet, cluster: cluster(three, 'BENCH3', 3, 'all', 3, 'r3') });
    rows.push(await writeLoad('(c) one node, 3-server JetStream R3, P=3', [db], ''));
    await db.close();

    const nodes = await Promise.all([0, 1, 2].map((k) => StemeDB.open(benchDir(`cluster-n${k}`), { log: quiet, cluster: cluster(three, 'BENCH3N', 3, String(k), 3, `n${k}`) })));
    rows.push(await writeLoad('(d) three nodes, R3, P=3, one partition each', nodes, 'one process; a write to a foreign partition does not wait to be shown'));
    await Promise.all(nodes.map((db) => db.close()));

    // Catch-up: fill a stream through a node that only publishes ('inspect': it reads nothing),
    // in batches of parallel publishes, then time a node started on an empty directory.
    const filler = await StemeDB.open(benchDir('cluster-fill'), { log: quiet, cluster: { ...cluster(three, 'CATCHUP', 3, 'all', 3, 'filler'), mode: 'inspect' } });
    const batchRecords = 1000;
    for (let i = 0; i < catchUpRecords; i += batchRecords) {
      await filler.appendBatch(Array.from({ length: batchRecords }, (_, j) => assertion(1_000_000 + i + j)), { visible: false });
    }
    await filler.close();
    const begin = performance.now();
    const empty = await StemeDB.open(benchDir('cluster-catchup'), { log: quiet, cluster: cluster(three, 'CATCHUP', 3, 'all', 3, 'empty') });
    const seconds = (performance.now() - begin) / 1000;
    const held = empty.stats().records.assertions;
    await empty.close();
    rows.push({ name: `catch-up: empty node rebuilds ${catchUpRecords.toLocaleString('en-US')} records from R3`, opsPerSec: held / seconds, note: `${seconds.toFixed(1)} s, ${held} records` });
  } finally {
    await three.stop();
  }

  console.log(formatTable(rows));
  const base = rows[0]!.opsPerSec;
  for (const row of rows.slice(1, 4)) console.log(`${row.name}: ${(row.opsPerSec / base).toFixed(2)}x the local WAL`);
}

await main();
