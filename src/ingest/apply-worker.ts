// The apply worker's thread: opens its own LmdbStore on the environment the database uses
// (lmdb-js shares one environment between the threads of a process) and applies each batch
// it is sent in one transaction, decoding the records itself. Replies say what was added, or
// why the transaction failed (the ingestor retries; nothing is skipped).
import { parentPort, workerData } from 'node:worker_threads';
import { StemeError } from '../errors.js';
import { LmdbStore } from '../storage/index.js';
import { applyRefusing } from './apply.js';
import { unpackBatch, type ApplyReply, type ApplyRequest } from './batch-message.js';

const port = parentPort;
if (port === null) throw new Error('apply-worker runs as a worker thread only');
const opening = LmdbStore.open({ path: (workerData as { path: string }).path });
// A failed open is reported to every request (below), not as an unhandled rejection here.
opening.catch(() => undefined);

async function handle(request: ApplyRequest): Promise<ApplyReply> {
  const store = await opening;
  switch (request.kind) {
    case 'apply': {
      const entries = unpackBatch(request.batch);
      return { id: request.id, ok: true, added: await applyRefusing(store, entries) };
    }
    case 'flushed':
      await store.flushed();
      return { id: request.id, ok: true };
    case 'close':
      await store.close();
      return { id: request.id, ok: true };
  }
}

// Requests are handled one at a time, in order: the ingestor sends one batch at a time anyway.
let queue = Promise.resolve();
port.on('message', (request: ApplyRequest) => {
  queue = queue.then(async () => {
    let reply: ApplyReply;
    try {
      reply = await handle(request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply = { id: request.id, ok: false, message, code: error instanceof StemeError ? error.code : undefined };
    }
    port.postMessage(reply);
    if (request.kind === 'close') port.close();
  });
});
