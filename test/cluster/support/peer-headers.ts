// The headers a node's forwarded requests carry, learned as a node learns them: from the
// node's announcement on NATS (whoever can read the cluster's subjects is inside the cluster).
// A test sends them to make a node answer from its own store, never forwarding the read.
import { connect } from '@nats-io/transport-node';

interface Announced {
  node: string;
  forwardKey: string;
}

/** x-stemedb-forwarded and x-stemedb-peer-key as `node` announces them on `<prefix>.nodes`. */
export async function peerHeaders(servers: string, prefix: string, node: string): Promise<Record<string, string>> {
  const nc = await connect({ servers: servers.split(',') });
  try {
    const subscription = nc.subscribe(`${prefix}.nodes`, { timeout: 10_000 });
    for await (const message of subscription) {
      const announced = JSON.parse(new TextDecoder().decode(message.data)) as Announced;
      if (announced.node === node) return { 'x-stemedb-forwarded': node, 'x-stemedb-peer-key': announced.forwardKey };
    }
    throw new Error(`no announcement from ${node} on ${prefix}.nodes`);
  } finally {
    await nc.close();
  }
}
