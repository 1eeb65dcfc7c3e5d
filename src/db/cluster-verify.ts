// `stemedb verify --cluster`: compares this node's store with the stream. For each subject the
// node reads (its partitions and the epochs subject), every message up to the node's saved
// checkpoint must be held by the store under its hash with the very same bytes (or, for a
// payload that is not a record, be a dead letter); messages after the checkpoint are reported as
// the node's lag, not as damage: it reads them when it next runs.
import { assertionKeyHex, decodeLocator, locatorKeyHex } from '../layout/index.js';
import { decodeRecord, hashRecordBytes } from '../records/index.js';
import type { ClusterNode } from './cluster-node.js';
import { epochsSubject, partitionSubject } from '../cluster/subjects.js';
import type { Reads } from './queries.js';
import { sameBytes } from '../storage/index.js';

export interface ClusterSubjectReport {
  subject: string;
  /** The node's checkpoint for this subject: messages up to it were compared. */
  checkpointSeq: number;
  /** The subject's last sequence in the stream now. */
  streamLastSeq: number;
  /** Messages compared (up to the checkpoint). */
  compared: number;
  /** Records in the stream up to the checkpoint that the store lacks or holds with other bytes. */
  missing: string[];
  /** Payloads in the stream that are not records (the store files them as dead letters). */
  unreadable: number;
}

export interface ClusterVerifyReport {
  ok: boolean;
  stream: string;
  partitionCount: number;
  owned: number[];
  subjects: ClusterSubjectReport[];
}

const missingListedMax = 100;


/** The stored bytes of the record with this hash, or undefined. */
function storedBytes({ store, overlay }: Reads, hash: string, assertion: boolean): Uint8Array | undefined {
  const pending = overlay.get(hash as never);
  if (pending !== undefined) return pending.bytes;
  if (assertion) return store.get(assertionKeyHex(hash));
  const locator = store.get(locatorKeyHex(hash));
  return locator === undefined ? undefined : store.get(decodeLocator(locator).primaryKey);
}

export async function verifyCluster(node: ClusterNode, reads: () => Reads): Promise<ClusterVerifyReport> {
  const saved = node.savedCheckpoint();
  const names = { stream: node.info.stream, prefix: node.log.options.prefix };
  const keys = [...saved.owned.map(String), 'epochs'];
  const subjects: ClusterSubjectReport[] = [];
  for (const key of keys) {
    const subject = key === 'epochs' ? epochsSubject(names) : partitionSubject(names, Number(key));
    const checkpointSeq = saved.seqs[key] ?? 0;
    const report: ClusterSubjectReport = { subject, checkpointSeq, streamLastSeq: await node.log.lastSeq(subject), compared: 0, missing: [], unreadable: 0 };
    await node.log.readThrough(subject, checkpointSeq, (message) => {
      report.compared += 1;
      let type: string;
      try {
        type = decodeRecord(message.data).type;
      } catch {
        report.unreadable += 1;
        return;
      }
      const hash = hashRecordBytes(message.data);
      const bytes = storedBytes(reads(), hash, type === 'assertion');
      // An epoch that lost to an earlier definition of its id is a dead letter, as on every node.
      if (bytes === undefined && type === 'epoch') return;
      if ((bytes === undefined || !sameBytes(bytes, message.data)) && report.missing.length < missingListedMax) report.missing.push(`${hash} (seq ${message.seq})`);
    });
    subjects.push(report);
  }
  return {
    ok: subjects.every((s) => s.missing.length === 0),
    stream: saved.stream,
    partitionCount: saved.partitions,
    owned: saved.owned,
    subjects,
  };
}
