// What `StemeDB.open(dir, { cluster })` takes: the NATS servers, the stream, the partition count
// and which partitions this node owns. Defaults are here, in one place (docs/cluster.md).

export interface ClusterOptions {
  /** NATS server URLs (nats://host:port); any one reachable server is enough to start. */
  servers: readonly string[];
  /** The stream's name (default STEMEDB). */
  stream?: string;
  /** Subject prefix: partitions are `<prefix>.p.<k>` (default: the stream's name, lowercased). */
  subjectPrefix?: string;
  /** Partition count P; fixed when the stream is created, checked against it after. Absent: the existing stream's, or 1 for a new stream. */
  partitionCount?: number;
  /** The partitions this node owns and materialises: 'all' (default) or e.g. '0-3,7'. */
  partitions?: string;
  /** Stream replicas when this node creates it (default 3; 1 for a one-server NATS). */
  replicas?: number;
  /** This node's name in announcements (default: host name and pid). */
  node?: string;
  /** Read-your-writes (default true): a write resolves once this node's store shows it, when it owns the record's partition. */
  waitForApply?: boolean;
  /**
   * 'serve' (default): consume the owned partitions, answer lookups, announce ownership.
   * 'inspect': connect and check the stream only (`stemedb verify --cluster`): no consuming.
   */
  mode?: 'serve' | 'inspect';
}

export const clusterStreamDefault = 'STEMEDB';
export const clusterReplicasDefault = 3;
