// One MCP server for every HTTP request. The SDK's stateless Streamable HTTP wants a fresh
// transport per request, and a server (a Protocol) holds one transport at a time, so its own
// pattern builds a server per request. This transport is the one the shared server holds:
// each request's transport is attached to it, its requests reach the server under ids of our
// own (two clients both sending id 1 never collide), and each response goes back to the
// request's transport under the client's id. Invariant: a pending entry lives from a request's
// arrival until its response is sent or its HTTP request closes, whichever comes first.
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';

interface Pending {
  front: Transport;
  /** The id the client gave the request. */
  id: RequestId;
}

export class SharedServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.pending.clear();
    this.onclose?.();
  }

  /** Requests answered by the server but not yet sent back: for tests of the invariant above. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /**
   * Hands the messages `front` (one HTTP request's transport) receives to the shared server,
   * and starts it. Call before the request is handled.
   */
  async attach(front: Transport): Promise<void> {
    const mine = new Map<RequestId, number>();
    front.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) {
        const id = this.nextId++;
        this.pending.set(id, { front, id: message.id });
        mine.set(message.id, id);
        this.onmessage?.({ ...message, id }, extra);
      } else if (isJSONRPCNotification(message)) {
        // A cancellation names the client's id: translate it, or drop it when it names no request of this one.
        if (message.method === 'notifications/cancelled') {
          const internal = mine.get((message.params as { requestId?: RequestId } | undefined)?.requestId ?? '');
          if (internal === undefined) return;
          this.onmessage?.({ ...message, params: { ...message.params, requestId: internal } }, extra);
          return;
        }
        this.onmessage?.(message, extra);
      }
      // A response from the client answers a request the server sent; this server sends none.
    };
    front.onclose = () => {
      for (const id of mine.values()) this.pending.delete(id);
    };
    front.onerror = (error) => this.onerror?.(error);
    await front.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const target = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (target === undefined) return; // its HTTP request has closed
      this.pending.delete(message.id as number);
      await target.front.send({ ...message, id: target.id });
      return;
    }
    // A notification about a request (progress, a log line) goes with that request's answer;
    // one about nothing in particular has no stream to go on (stateless: no GET stream).
    const related = typeof options?.relatedRequestId === 'number' ? this.pending.get(options.relatedRequestId) : undefined;
    if (related !== undefined) await related.front.send(message, { relatedRequestId: related.id });
  }
}
