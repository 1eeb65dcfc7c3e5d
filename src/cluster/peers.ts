// Who owns which partition: each node announces {node, url, partitions, P, forwardKey} on a
// core NATS subject every clusterAnnounceMs and listens to the others. A peer not heard from for
// three periods is gone. Used to forward reads of a foreign partition, to name owners in
// NOT_OWNER, and to tell a peer's forwarded request from anyone else's: the forwardKey, random
// per process, is known only to those who read this subject (docs/cluster.md#forwarding-between-nodes).
// Announcements are not stored: a node that starts learns the others within one period.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { clusterAnnounceMs } from '../limits.js';

export interface Announcement {
  node: string;
  /** The node's HTTP base URL, or empty when it serves no HTTP (a library user). */
  url: string;
  partitions: number;
  owned: number[];
}

/** What goes on the subject: the announcement and the key the node's forwarded requests carry. */
export interface WireAnnouncement extends Announcement {
  forwardKey: string;
}

interface Heard extends WireAnnouncement {
  atMs: number;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant time in the keys' content and length. */
function keysMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

const staleMs = 3 * clusterAnnounceMs;

export class Peers {
  private readonly heard = new Map<string, Heard>();
  private readonly subscription: Subscription;
  private readonly timer: NodeJS.Timeout;
  private self: WireAnnouncement;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    self: WireAnnouncement,
  ) {
    this.self = self;
    this.subscription = nc.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) return;
        try {
          const peer = JSON.parse(new TextDecoder().decode(message.data)) as WireAnnouncement;
          if (typeof peer.node === 'string' && peer.node !== this.self.node && Array.isArray(peer.owned) && typeof peer.forwardKey === 'string') this.heard.set(peer.node, { ...peer, atMs: Date.now() });
        } catch {
          // Not an announcement (someone else's message on our subject): ignore it.
        }
      },
    });
    this.timer = setInterval(() => this.announce(), clusterAnnounceMs);
    this.timer.unref();
    this.announce();
  }

  /** Changes what this node announces (its URL is known once the server listens). */
  update(self: Partial<Announcement>): void {
    this.self = { ...this.self, ...self };
    this.announce();
  }

  private announce(): void {
    if (this.nc.isClosed()) return;
    this.nc.publish(this.subject, JSON.stringify(this.self));
  }

  /** Peers heard recently that own `partition` (never this node). */
  ownersOf(partition: number): Announcement[] {
    return this.alive().filter((peer) => peer.owned.includes(partition));
  }

  /** Peers heard recently (without their keys). */
  alive(): Announcement[] {
    const now = Date.now();
    return [...this.heard.values()].filter((peer) => now - peer.atMs <= staleMs).map(({ node, url, partitions, owned }) => ({ node, url, partitions, owned }));
  }

  /** Whether `key` is the forward key `node` announced (this node, or a peer heard recently). */
  isPeer(node: string, key: string): boolean {
    if (node === this.self.node) return keysMatch(key, this.self.forwardKey);
    const peer = this.heard.get(node);
    return peer !== undefined && Date.now() - peer.atMs <= staleMs && keysMatch(key, peer.forwardKey);
  }

  close(): void {
    clearInterval(this.timer);
    this.subscription.unsubscribe();
  }
}
