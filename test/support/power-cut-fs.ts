// An in-memory FileSystem that shows the disk a power cut would leave (LevelDB's fault-injection env, ALICE).
// Model: a file keeps what it held at its last fdatasync plus each completed O_DSYNC write; a directory keeps
// its entries as of its last fsync. A cut keeps that ('drop'), or also the first k unsynced operations in issue
// order ('prefix'), the next write optionally torn (its head; its tail with `tornKeeps: 'tail'`). Conservative:
// nothing persists on its own (no journal commit, no writeback), O_DSYNC persists only its own bytes (not an
// earlier truncate), and no file sync persists a directory entry, not even a new directory's entry in its parent.
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FileHandle, FileSystem } from '../../src/fs/file-system.js';

/** One write or truncate issued to a file since its durable image was taken. */
type FileOp =
  | { seq: number; kind: 'write'; position: number; data: Uint8Array; durable: boolean }
  | { seq: number; kind: 'truncate'; bytes: number; durable: boolean };

/** A creation or removal of a directory entry, not yet made durable by fsyncing the directory. */
interface DirOp {
  seq: number;
  kind: 'link' | 'unlink';
  name: string;
  node: SimNode;
}

class FileNode {
  /** What reads see now (page cache). */
  content: Uint8Array;
  /** The contents at the last fdatasync; never mutated (snapshots share it). */
  base: Uint8Array;
  /** Writes and truncates since `base`, in issue order. */
  ops: FileOp[] = [];
  constructor(content: Uint8Array = new Uint8Array(0)) {
    this.content = content;
    this.base = content.slice();
  }
}

class DirNode {
  /** What list and open see now. */
  entries: Map<string, SimNode>;
  /** The entries a power cut keeps. */
  durable: Map<string, SimNode>;
  ops: DirOp[] = [];
  constructor(entries = new Map<string, SimNode>()) {
    this.entries = entries;
    this.durable = new Map(entries);
  }
}

type SimNode = FileNode | DirNode;

export type OperationKind = 'write' | 'writeDurably' | 'datasync' | 'truncate' | 'createExclusive' | 'remove' | 'makeDirectory' | 'syncDirectory';

/** One recorded mutation, in issue order. Sync points carry their index. */
export interface FsOperation {
  seq: number;
  kind: OperationKind;
  path: string;
  /** For writes: where and how many bytes; for truncate: the new size in `bytes`. */
  position?: number;
  bytes?: number;
  /** The sync point's index (0-based), for datasync, writeDurably and syncDirectory. */
  syncPoint?: number;
}

/** An operation a power cut may keep or lose: not yet made durable by any sync. */
export interface PendingOp {
  seq: number;
  kind: 'write' | 'truncate' | 'link' | 'unlink';
  path: string;
  /** Bytes written, for writes (what a tear can cut). */
  bytes: number;
}

/**
 * What survives the cut: synced state only, or that plus the first `keep` pending operations and,
 * with `tornBytes`, that many bytes of the next one (a write): its head by default, or its tail
 * (`tornKeeps: 'tail'`: the write's later sectors reached the disk and its first ones did not).
 */
export type PowerCut = { mode: 'drop' } | { mode: 'prefix'; keep: number; tornBytes?: number; tornKeeps?: 'head' | 'tail' };

export type PowerCutName = 'drop' | 'prefix' | 'torn';

/**
 * Every way a cut at `image` can leave the unsynced operations, in the model above: none ('drop'),
 * each prefix in issue order ('prefix'), and each prefix plus half of the next write ('torn').
 */
export function everyPowerCut(image: CrashImage, tornKeeps: 'head' | 'tail' = 'head'): Array<{ name: PowerCutName; cut: PowerCut }> {
  const cuts: Array<{ name: PowerCutName; cut: PowerCut }> = [{ name: 'drop', cut: { mode: 'drop' } }];
  image.pending.forEach((op, k) => {
    cuts.push({ name: 'prefix', cut: { mode: 'prefix', keep: k + 1 } });
    if (op.kind === 'write' && op.bytes >= 2) cuts.push({ name: 'torn', cut: { mode: 'prefix', keep: k, tornBytes: Math.floor(op.bytes / 2), tornKeeps } });
  });
  return cuts;
}

function errnoError(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const error = new Error(`${code}: ${syscall} '${file}' (simulated)`) as NodeJS.ErrnoException;
  error.code = code;
  error.syscall = syscall;
  error.path = file;
  return error;
}

/** Writes `data` into `content` in place, or into a grown copy when it runs past the end. */
function applyWrite(content: Uint8Array, position: number, data: Uint8Array): Uint8Array {
  const end = position + data.length;
  const target = end > content.length ? new Uint8Array(end) : content;
  if (target !== content) target.set(content);
  target.set(data, position);
  return target;
}

function applyTruncate(content: Uint8Array, bytes: number): Uint8Array {
  if (bytes <= content.length) return content.slice(0, bytes);
  const grown = new Uint8Array(bytes);
  grown.set(content);
  return grown;
}

interface FileImage {
  kind: 'file';
  base: Uint8Array;
  ops: FileOp[];
}
interface DirImage {
  kind: 'dir';
  durable: Map<string, SimNode>;
  ops: DirOp[];
}

/** The durable and pending state at one instant; `disk` builds what a cut there leaves. */
export class CrashImage {
  /** Unsynced operations in issue order: what 'prefix' mode keeps the first `keep` of. */
  readonly pending: readonly PendingOp[];

  constructor(
    private readonly root: DirNode,
    private readonly images: Map<SimNode, FileImage | DirImage>,
    pending: PendingOp[],
  ) {
    this.pending = pending.sort((a, b) => a.seq - b.seq);
  }

  /** A new file system holding exactly what the cut leaves, all of it durable. */
  disk(cut: PowerCut): PowerCutFileSystem {
    const keep = cut.mode === 'drop' ? 0 : cut.keep;
    if (keep < 0 || keep > this.pending.length) throw new RangeError(`keep ${keep} of ${this.pending.length} pending operations`);
    const kept = new Set(this.pending.slice(0, keep).map((op) => op.seq));
    const torn = cut.mode === 'prefix' && cut.tornBytes !== undefined ? { seq: this.pending[keep]?.seq, bytes: cut.tornBytes, tail: cut.tornKeeps === 'tail' } : undefined;
    if (torn !== undefined && this.pending[keep]?.kind !== 'write') throw new RangeError('only a write can be torn');
    const build = (node: SimNode): SimNode => {
      const image = this.images.get(node)!;
      if (image.kind === 'file') {
        let content: Uint8Array = image.base.slice(); // applyWrite writes in place: the image's base is shared
        for (const op of image.ops) {
          if (op.kind === 'write' && op.seq === torn?.seq) {
            const from = torn.tail ? op.data.length - torn.bytes : 0;
            content = applyWrite(content, op.position + from, op.data.subarray(from, from + torn.bytes));
          } else if (op.durable || kept.has(op.seq)) {
            content = op.kind === 'write' ? applyWrite(content, op.position, op.data) : applyTruncate(content, op.bytes);
          }
        }
        return new FileNode(content);
      }
      const entries = new Map(image.durable);
      for (const op of image.ops) {
        if (!kept.has(op.seq)) continue;
        if (op.kind === 'link') entries.set(op.name, op.node);
        else entries.delete(op.name);
      }
      return new DirNode(new Map([...entries].map(([name, child]) => [name, build(child)])));
    };
    return new PowerCutFileSystem(build(this.root) as DirNode);
  }
}

class SimHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly fs: PowerCutFileSystem,
    private readonly node: FileNode,
    private readonly file: string,
    private readonly writable: boolean,
    /** O_DSYNC: every write is durable when it completes. */
    private readonly syncWrites: boolean,
  ) {}

  private check(syscall: string, write: boolean): void {
    if (this.closed || (write && !this.writable)) throw errnoError('EBADF', syscall, this.file);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    await nextTurn();
    this.check('write', true);
    this.fs.mutateFile(this.node, this.file, { kind: 'write', position, data: data.slice() }, this.syncWrites ? 'op' : 'none');
  }

  async writeDurably(data: Uint8Array, position: number): Promise<void> {
    await nextTurn();
    this.check('write', true);
    this.fs.mutateFile(this.node, this.file, { kind: 'write', position, data: data.slice() }, this.syncWrites ? 'op' : 'file');
  }

  async read(into: Uint8Array, length: number, position: number): Promise<number> {
    await nextTurn();
    this.check('read', false);
    const bytes = this.node.content.subarray(position, position + length);
    into.set(bytes, 0);
    return bytes.length;
  }

  async datasync(): Promise<void> {
    await nextTurn();
    this.check('fdatasync', false);
    this.fs.datasync(this.node, this.file);
  }

  async truncate(bytes: number): Promise<void> {
    await nextTurn();
    this.check('ftruncate', true);
    this.fs.mutateFile(this.node, this.file, { kind: 'truncate', bytes }, 'none');
  }

  async size(): Promise<number> {
    await nextTurn();
    this.check('fstat', false);
    return this.node.content.length;
  }

  async close(): Promise<void> {
    await nextTurn();
    this.check('close', false);
    this.closed = true;
  }
}

export class PowerCutFileSystem implements FileSystem {
  /** Called at each sync point just before it takes effect (its own write already issued). */
  onSyncPoint: ((operation: FsOperation) => void) | undefined;
  /** Called for every mutation just before it takes effect. */
  onOperation: ((operation: FsOperation) => void) | undefined;
  /** Every mutation, in issue order. */
  readonly operations: FsOperation[] = [];
  private seq = 0;
  private syncPoints = 0;

  constructor(private readonly root: DirNode = new DirNode()) {}

  /** A file system in which `dirs` (absolute) and their parents already exist, durably. */
  static withDirectories(...dirs: string[]): PowerCutFileSystem {
    const sim = new PowerCutFileSystem();
    for (const dir of dirs) {
      let node = sim.root;
      for (const name of PowerCutFileSystem.names(dir)) {
        let child = node.entries.get(name);
        if (child === undefined) {
          child = new DirNode();
          node.entries.set(name, child);
          node.durable.set(name, child);
        }
        if (!(child instanceof DirNode)) throw errnoError('ENOTDIR', 'mkdir', dir);
        node = child;
      }
    }
    return sim;
  }

  /** Sync points seen so far. */
  get syncPointCount(): number {
    return this.syncPoints;
  }

  /** The state a power cut now would act on. Cheap: file images are shared, not copied. */
  crashImage(): CrashImage {
    const images = new Map<SimNode, FileImage | DirImage>();
    const pending: PendingOp[] = [];
    const visit = (node: SimNode, where: string): void => {
      if (images.has(node)) return;
      if (node instanceof FileNode) {
        images.set(node, { kind: 'file', base: node.base, ops: node.ops.map((op) => ({ ...op })) });
        for (const op of node.ops) {
          if (!op.durable) pending.push({ seq: op.seq, kind: op.kind, path: where, bytes: op.kind === 'write' ? op.data.length : 0 });
        }
        return;
      }
      images.set(node, { kind: 'dir', durable: new Map(node.durable), ops: [...node.ops] });
      for (const op of node.ops) pending.push({ seq: op.seq, kind: op.kind, path: path.join(where, op.name), bytes: 0 });
      const children = [...node.entries, ...node.durable, ...node.ops.map((op): [string, SimNode] => [op.name, op.node])];
      for (const [name, child] of children) visit(child, path.join(where, name));
    };
    visit(this.root, '/');
    return new CrashImage(this.root, images, pending);
  }

  // --- FileSystem ---

  async openReadWrite(file: string, options?: { syncWrites?: boolean }): Promise<FileHandle> {
    await nextTurn();
    return new SimHandle(this, this.fileAt(file, 'open'), file, true, options?.syncWrites === true);
  }

  async createExclusive(file: string): Promise<FileHandle> {
    await nextTurn();
    const { dir, name } = this.parentOf(file, 'open');
    if (dir.entries.has(name)) throw errnoError('EEXIST', 'open', file);
    const node = new FileNode();
    this.mutateDir(dir, file, 'createExclusive', { kind: 'link', name, node });
    return new SimHandle(this, node, file, true, false);
  }

  async openReadOnly(file: string): Promise<FileHandle> {
    await nextTurn();
    return new SimHandle(this, this.fileAt(file, 'open'), file, false, false);
  }

  async list(dir: string): Promise<string[]> {
    await nextTurn();
    return [...this.dirAt(dir, 'scandir').entries.keys()].sort();
  }

  async remove(file: string): Promise<void> {
    await nextTurn();
    const { dir, name } = this.parentOf(file, 'unlink');
    const node = dir.entries.get(name);
    if (!(node instanceof FileNode)) throw errnoError(node === undefined ? 'ENOENT' : 'EISDIR', 'unlink', file);
    this.mutateDir(dir, file, 'remove', { kind: 'unlink', name, node });
  }

  async makeDirectory(dir: string): Promise<void> {
    await nextTurn();
    let node = this.root;
    let at = '/';
    for (const name of PowerCutFileSystem.names(dir)) {
      at = path.join(at, name);
      let child = node.entries.get(name);
      if (child === undefined) {
        child = new DirNode(); // its entry in `node` is durable only once `node` is fsynced
        this.mutateDir(node, at, 'makeDirectory', { kind: 'link', name, node: child });
      }
      if (!(child instanceof DirNode)) throw errnoError('ENOTDIR', 'mkdir', dir);
      node = child;
    }
  }

  async syncDirectory(dir: string): Promise<void> {
    await nextTurn();
    const node = this.dirAt(dir, 'open');
    this.syncPoint(this.record({ kind: 'syncDirectory', path: dir }));
    for (const op of node.ops) {
      if (op.kind === 'link') node.durable.set(op.name, op.node);
      else node.durable.delete(op.name);
    }
    node.ops = [];
  }

  // --- for SimHandle ---

  /**
   * Applies a write or truncate to what reads see, and records it as pending. `durable`: 'op' makes
   * this operation alone durable (an O_DSYNC write), 'file' every operation on the file (write +
   * fdatasync); both are sync points, taken after the operation is issued and before it is durable.
   */
  mutateFile(node: FileNode, file: string, op: { kind: 'write'; position: number; data: Uint8Array } | { kind: 'truncate'; bytes: number }, durable: 'none' | 'op' | 'file'): void {
    const syncs = durable !== 'none';
    const operation =
      op.kind === 'write'
        ? { kind: syncs ? ('writeDurably' as const) : ('write' as const), path: file, position: op.position, bytes: op.data.length }
        : { kind: 'truncate' as const, path: file, bytes: op.bytes };
    const recorded = this.record(operation);
    node.content = op.kind === 'write' ? applyWrite(node.content, op.position, op.data) : applyTruncate(node.content, op.bytes);
    const fileOp: FileOp = { ...op, seq: recorded.seq, durable: false };
    node.ops.push(fileOp);
    if (!syncs) return;
    this.syncPoint(recorded);
    if (durable === 'op') fileOp.durable = true;
    else this.makeDurable(node);
  }

  datasync(node: FileNode, file: string): void {
    this.syncPoint(this.record({ kind: 'datasync', path: file }));
    this.makeDurable(node);
  }

  private makeDurable(node: FileNode): void {
    node.base = node.content.slice();
    node.ops = [];
  }

  private mutateDir(dir: DirNode, file: string, kind: OperationKind, op: Omit<DirOp, 'seq'>): void {
    const { seq } = this.record({ kind, path: file });
    if (op.kind === 'link') dir.entries.set(op.name, op.node);
    else dir.entries.delete(op.name);
    dir.ops.push({ ...op, seq });
  }

  /** Logs a mutation and tells the observer, before it takes effect. */
  private record(operation: Omit<FsOperation, 'seq'>): FsOperation {
    const recorded: FsOperation = { ...operation, seq: this.seq++ };
    this.operations.push(recorded);
    this.onOperation?.(recorded);
    return recorded;
  }

  private syncPoint(operation: FsOperation): void {
    operation.syncPoint = this.syncPoints++;
    this.onSyncPoint?.(operation);
  }

  // --- paths ---

  private static names(file: string): string[] {
    if (!path.isAbsolute(file)) throw new RangeError(`the simulated file system takes absolute paths, not ${file}`);
    return path.resolve(file).split(path.sep).filter((name) => name !== '');
  }

  private dirAt(dir: string, syscall: string): DirNode {
    let node: SimNode = this.root;
    for (const name of PowerCutFileSystem.names(dir)) {
      const child: SimNode | undefined = node instanceof DirNode ? node.entries.get(name) : undefined;
      if (child === undefined) throw errnoError('ENOENT', syscall, dir);
      node = child;
    }
    if (!(node instanceof DirNode)) throw errnoError('ENOTDIR', syscall, dir);
    return node;
  }

  private parentOf(file: string, syscall: string): { dir: DirNode; name: string } {
    return { dir: this.dirAt(path.dirname(path.resolve(file)), syscall), name: path.basename(file) };
  }

  private fileAt(file: string, syscall: string): FileNode {
    const { dir, name } = this.parentOf(file, syscall);
    const node = dir.entries.get(name);
    if (node === undefined) throw errnoError('ENOENT', syscall, file);
    if (!(node instanceof FileNode)) throw errnoError('EISDIR', syscall, file);
    return node;
  }
}
