// The log seam: where the facade's writes go. Two implementations: the local WAL (WritePath,
// single-node mode, the default) and a NATS JetStream stream (ClusterNode, cluster mode), which
// publishes and then shows the record through the node's own WAL. Either way a record keeps its
// exact bytes and hash, and ingest (validation, apply, indexes, summaries, checkpoint) is shared.
import type { Hash, PreparedRecord } from '../records/index.js';

export interface WriteOptions {
  /**
   * true (default): resolve once durable and queryable (read-your-writes). false: once durable;
   * the records become queryable when the ingestor has applied them (`sync()` waits for that).
   * For bulk loads: such records skip the in-memory overlay, and so its memory and its limit;
   * past ingestHandOffRecordsMax records ahead of ingest, such a write waits for ingest.
   */
  visible?: boolean;
}

export interface WriteResult {
  hash: Hash;
  lsn: number;
}

export interface RecordLog {
  /**
   * Checks `batch` (validated, encoded and hashed), makes it durable in the log and resolves
   * with each record's hash and this node's LSN for it (-1 when the node does not hold it):
   * once durable, and unless {visible: false}, once this node's queries show it.
   */
  write(batch: PreparedRecord[], options: WriteOptions | undefined): Promise<WriteResult[]>;
}
