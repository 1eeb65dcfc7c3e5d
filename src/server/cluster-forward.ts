// Cluster mode: a read about a subject whose partition this node does not own is forwarded to a
// node that owns it (from the announcements every node makes on NATS), and its answer relayed
// as is; when none answers, 421 NOT_OWNER names the owners. A read by hash this node cannot
// answer is asked of the other nodes in turn. A forwarded request carries x-stemedb-forwarded
// and is never forwarded again, so two nodes with stale views cannot bounce a request forever.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotOwnerError, type Announcement, type StemeDB } from '../index.js';
import { clusterForwardMs } from '../limits.js';

export const forwardedHeader = 'x-stemedb-forwarded';
export const servedByHeader = 'x-stemedb-served-by';

const subjectRoutes = new Set(['/v1/subjects/:subject/assertions', '/v1/subjects/:subject/history', '/v1/subjects/:subject/beliefs']);
const hashRoutes = new Set(['/v1/assertions/:hash', '/v1/assertions/:hash/votes']);

/** Relays `request` to `peer`; undefined when the peer did not answer (down, or too slow). */
async function relay(request: FastifyRequest, reply: FastifyReply, peer: Announcement, self: string, accept?: (status: number) => boolean): Promise<FastifyReply | undefined> {
  let response: Response;
  try {
    response = await fetch(new URL(request.url, peer.url), {
      method: request.method,
      headers: { [forwardedHeader]: self, accept: request.headers.accept ?? 'application/json' },
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

export function forwardForeignReads(app: FastifyInstance, db: StemeDB): void {
  const cluster = db.cluster;
  if (cluster === undefined) return;
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET') return;
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const forwarded = request.headers[forwardedHeader] !== undefined;
    if (subjectRoutes.has(route)) {
      const subject = (request.params as { subject: string }).subject;
      const partition = cluster.partitionOf(subject);
      if (cluster.owns(partition)) return;
      const owners = cluster.ownersOf(partition).filter((peer) => peer.url !== '');
      if (!forwarded) {
        for (const owner of owners) {
          const sent = await relay(request, reply, owner, cluster.info.node);
          if (sent !== undefined) return sent;
        }
      }
      throw new NotOwnerError(partition, owners.map((o) => `${o.node} (${o.url})`), forwarded ? 'a forwarded request is not forwarded again' : owners.length > 0 ? 'none of them answered' : '');
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
        const sent = await relay(request, reply, peer, cluster.info.node, (status) => status !== 404);
        if (sent !== undefined) return sent;
      }
    }
    return undefined;
  });
}
