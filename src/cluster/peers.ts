// Who owns which partition: each node announces {node, url, partitions, P} on a core NATS
// subject every clusterAnnounceMs and listens to the others. A peer not heard from for three
// periods is gone. Used to forward reads of a foreign partition and to name owners in
// NOT_OWNER. Announcements are not stored: a node that starts learns the others within one period.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { clusterAnnounceMs } from '../limits.js';

export interface Announcement {
  node: string;
  /** The node's HTTP base URL, or empty when it serves no HTTP (a library user). */
  url: string;
  partitions: number;
  owned: number[];
}

interface Heard extends Announcement {
  atMs: number;
}

const staleMs = 3 * clusterAnnounceMs;

export class Peers {
  private readonly heard = new Map<string, Heard>();
  private readonly subscription: Subscription;
  private readonly timer: NodeJS.Timeout;
  private self: Announcement;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    self: Announcement,
  ) {
    this.self = self;
    this.subscription = nc.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) return;
        try {
          const peer = JSON.parse(new TextDecoder().decode(message.data)) as Announcement;
          if (typeof peer.node === 'string' && peer.node !== this.self.node && Array.isArray(peer.owned)) this.heard.set(peer.node, { ...peer, atMs: Date.now() });
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

  /** Peers heard recently. */
  alive(): Announcement[] {
    const now = Date.now();
    return [...this.heard.values()].filter((peer) => now - peer.atMs <= staleMs);
  }

  close(): void {
    clearInterval(this.timer);
    this.subscription.unsubscribe();
  }
}
