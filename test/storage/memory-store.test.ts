// The in-memory store passes the shared KVStore conformance suite.
import { MemoryStore } from '../../src/storage/index.js';
import { conformanceSuite } from './conformance.js';

conformanceSuite('MemoryStore', async () => new MemoryStore());
