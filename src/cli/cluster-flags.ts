// The cluster options `serve` and `verify` share: --cluster takes the NATS servers, the rest
// say which stream, how many partitions and which of them this node owns (docs/cluster.md).
import { Option, type Command } from 'commander';
import type { ClusterOptions } from '../index.js';
import { UsageError } from './errors.js';
import { parseCount } from './parse.js';

export interface ClusterFlags {
  cluster?: string;
  partitions?: string;
  partitionCount?: number;
  replicas?: number;
  stream?: string;
  node?: string;
}

export function addClusterFlags(command: Command, serving: boolean): Command {
  command
    .addOption(new Option('--cluster <urls>', 'run as a node of a NATS JetStream cluster: nats://host:port[,...] (docs/cluster.md)').env('STEMEDB_CLUSTER'))
    .option('--stream <name>', 'with --cluster: the JetStream stream (default STEMEDB)')
    .option('--partition-count <p>', 'with --cluster: partitions P of the stream; fixed when the stream is created (default: the existing stream\'s, or 1 for a new one)', parseCount);
  if (serving) {
    command
      .option('--partitions <spec>', 'with --cluster: the partitions this node owns: all (default) or e.g. 0-3,7')
      .option('--replicas <n>', 'with --cluster: stream replicas if this node creates it (default 3)', parseCount)
      .option('--node <name>', 'with --cluster: this node\'s name in announcements (default host-pid)');
  }
  return command;
}

/** The StemeDB cluster options, or undefined without --cluster. */
export function clusterOptionsOf(flags: ClusterFlags, mode: 'serve' | 'inspect'): ClusterOptions | undefined {
  if (flags.cluster === undefined) {
    if (flags.partitions !== undefined || flags.partitionCount !== undefined || flags.replicas !== undefined) throw new UsageError('--partitions, --partition-count and --replicas need --cluster');
    return undefined;
  }
  const servers = flags.cluster.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) throw new UsageError('--cluster needs at least one nats://host:port');
  return {
    servers,
    mode,
    ...(flags.stream !== undefined && { stream: flags.stream }),
    ...(flags.partitionCount !== undefined && { partitionCount: flags.partitionCount }),
    ...(flags.partitions !== undefined && { partitions: flags.partitions }),
    ...(flags.replicas !== undefined && { replicas: flags.replicas }),
    ...(flags.node !== undefined && { node: flags.node }),
  };
}
