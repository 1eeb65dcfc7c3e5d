// The NATS subjects and names a StemeDB cluster uses, derived from the stream name and the
// subject prefix: one place, so the stream's subject list, the publishers and the consumers
// cannot disagree. `<prefix>.p.<k>` holds partition k; `<prefix>.epochs` holds every epoch
// definition and is read by every node; lookups and announcements are core NATS (not stored).

export interface ClusterNames {
  stream: string;
  prefix: string;
}

export function partitionSubject(names: ClusterNames, partition: number): string {
  return `${names.prefix}.p.${partition}`;
}

export function epochsSubject(names: ClusterNames): string {
  return `${names.prefix}.epochs`;
}

/** Core NATS request subject: "who holds this assertion?" (answered by every node). */
export function lookupSubject(names: ClusterNames): string {
  return `${names.prefix}.lookup`;
}

/** Core NATS subject on which nodes announce which partitions they own and where they serve. */
export function announceSubject(names: ClusterNames): string {
  return `${names.prefix}.nodes`;
}

/** Every subject the stream holds, in order: the partitions, then the epochs subject. */
export function streamSubjects(names: ClusterNames, partitions: number): string[] {
  const subjects = Array.from({ length: partitions }, (_, k) => partitionSubject(names, k));
  subjects.push(epochsSubject(names));
  return subjects;
}
