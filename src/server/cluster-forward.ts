// Cluster mode: a read about a subject whose partition this node does not own is forwarded to a
// node that owns it (from the announcements every node makes on NATS), and its answer relayed
// as is; when none answers, 421 NOT_OWNER names the owners (their URLs only to a caller with the
// token). A read by hash this node cannot answer is asked of the other nodes in turn. A forwarded
// request carries x-stemedb-forwarded (the node's name) and x-stemedb-peer-key (the key that node
// announced on NATS) and is never forwarded again, so two nodes with stale views cannot bounce a
// request forever; the headers are honoured only when the key is the one the named node
// announced, so no one outside the cluster can pass for a node (docs/cluster.md#forwarding-between-nodes).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotOwnerError, type Announcement, type StemeCluster, type StemeDB } from '../index.js';
import { clusterForwardMs } from '../limits.js';
import { bearerToken, tokenMatches } from './auth.js';

export const forwardedHeader = 'x-stemedb-forwarded';
export const peerKeyHeader = 'x-stemedb-peer-key';
export const servedByHeader = 'x-stemedb-served-by';

/** Whether `request` was forwarded by a node of this cluster: the name and key it carries are ones a node announced. */
export function fromPeer(cluster: StemeCluster | undefined, request: FastifyRequest): boolean {
  const node = request.headers[forwardedHeader];
  const key = request.headers[peerKeyHeader];
  return cluster !== undefined && typeof node === 'string' && typeof key === 'string' && cluster.isPeer(node, key);
}

/** How NOT_OWNER names an owner: with its URL only for a caller that has the token (URLs are internal addresses). */
function ownerName(owner: Announcement, showUrls: boolean): string {
  return showUrls ? `${owner.node} (${owner.url})` : owner.node;
}

const subjectRoutes = new Set(['/v1/subjects/:subject/assertions', '/v1/subjects/:subject/history', '/v1/subjects/:subject/beliefs']);
const hashRoutes = new Set(['/v1/assertions/:hash', '/v1/assertions/:hash/votes']);

/** Relays `request` to `peer`; undefined when the peer did not answer (down, or too slow). */
async function relay(request: FastifyRequest, reply: FastifyReply, peer: Announcement, self: { node: string; key: string }, accept?: (status: number) => boolean): Promise<FastifyReply | undefined> {
  let response: Response;
  try {
    response = await fetch(new URL(request.url, peer.url), {
      method: request.method,
      headers: { [forwardedHeader]: self.node, [peerKeyHeader]: self.key, accept: request.headers.accept ?? 'application/json' },
      signal: AbortSignal.timeout(clusterForwardMs),
    });
  } catch {
    return undefined;
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (accept !== undefined && !accept(response.status)) return undefined;
  const type = response.headers.get('content-type');
  if (type !== null) void reply.header('content-type', type);
  return reply.code(response.status).header(servedByHeader, peer.node).send(body);
}

/** `token`: the server's; a caller that presents it sees the owners' URLs in NOT_OWNER. */
export function forwardForeignReads(app: FastifyInstance, db: StemeDB, token: string | undefined): void {
  const cluster = db.cluster;
  if (cluster === undefined) return;
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET') return;
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const forwarded = fromPeer(cluster, request);
    if (subjectRoutes.has(route)) {
      const subject = (request.params as { subject: string }).subject;
      const partition = cluster.partitionOf(subject);
      if (cluster.owns(partition)) return;
      const owners = cluster.ownersOf(partition).filter((peer) => peer.url !== '');
      if (!forwarded) {
        for (const owner of owners) {
          const sent = await relay(request, reply, owner, cluster.forwardingCredentials());
          if (sent !== undefined) return sent;
        }
      }
      const given = bearerToken(request.headers.authorization);
      const showUrls = token !== undefined && given !== undefined && tokenMatches(given, token);
      throw new NotOwnerError(partition, owners.map((o) => ownerName(o, showUrls)), forwarded ? 'a forwarded request is not forwarded again' : owners.length > 0 ? 'none of them answered' : '');
    }
    if (hashRoutes.has(route) && !forwarded && cluster.info.owned.length < cluster.info.partitionCount) {
      const hash = (request.params as { hash: string }).hash;
      let held: boolean;
      try {
        held = db.get(hash) !== undefined;
      } catch {
        return; // a malformed hash: the route answers it
      }
      if (held) return;
      for (const peer of cluster.nodes().filter((p) => p.url !== '')) {
        const sent = await relay(request, reply, peer, cluster.forwardingCredentials(), (status) => status !== 404);
        if (sent !== undefined) return sent;
      }
    }
    return undefined;
  });
}
