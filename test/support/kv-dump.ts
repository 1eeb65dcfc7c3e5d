// Reads a closed database's whole KV store as hex key/value pairs, for equality checks
// between a store and its rebuild or replay.
import path from 'node:path';
import { LmdbStore } from '../../src/storage/index.js';

export async function dumpKv(dataDir: string): Promise<Map<string, string>> {
  const store = await LmdbStore.open({ path: path.join(dataDir, 'kv') });
  try {
    const entries = new Map<string, string>();
    for (const { key, value } of store.scanPrefix(new Uint8Array(0))) {
      entries.set(Buffer.from(key).toString('hex'), Buffer.from(value).toString('hex'));
    }
    return entries;
  } finally {
    await store.close();
  }
}
