// The file-system seam the WAL writes through. Production uses NodeFileSystem; tests wrap
// it to inject faults (EIO on fsync, ENOSPC on write) without touching real hardware.
// The seam is deliberately small: exactly the calls the WAL makes, nothing more.

/** An open file. Positions and sizes are byte offsets from the start of the file. */
export interface FileHandle {
  /** Writes all of `data` at `position` (loops over short writes); rejects on any error. */
  write(data: Uint8Array, position: number): Promise<void>;
  /**
   * Writes all of `data` at `position` and resolves once it is on stable storage, as `write`
   * then `datasync` would. On a handle opened with `syncWrites` this is one O_DSYNC write: one
   * trip to the thread pool instead of two, which is most of a group commit's fixed cost.
   */
  writeDurably(data: Uint8Array, position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `into` (from index 0); resolves the count read, 0 at EOF. */
  read(into: Uint8Array, length: number, position: number): Promise<number>;
  /** fdatasync: resolves once every byte written so far is on stable storage. */
  datasync(): Promise<void>;
  /** Cuts the file to `bytes` long. */
  truncate(bytes: number): Promise<void>;
  /** The file's current size in bytes. */
  size(): Promise<number>;
  /** Closes the descriptor; the handle is unusable afterwards. */
  close(): Promise<void>;
}

/** The directory-level operations the WAL needs. */
export interface FileSystem {
  /**
   * Opens an existing file for reading and writing. With `syncWrites`, every write is durable
   * when it completes (O_DSYNC), so `writeDurably` needs no separate fdatasync.
   */
  openReadWrite(path: string, options?: { syncWrites?: boolean }): Promise<FileHandle>;
  /** Creates a new, empty file for reading and writing; rejects with EEXIST if it exists. */
  createExclusive(path: string): Promise<FileHandle>;
  /** Opens an existing file read-only. */
  openReadOnly(path: string): Promise<FileHandle>;
  /** Names (not paths) of the entries in `dir`. */
  list(dir: string): Promise<string[]>;
  /** Deletes a file. */
  remove(path: string): Promise<void>;
  /** Creates `dir` and its parents if missing. */
  makeDirectory(dir: string): Promise<void>;
  /** fsyncs a directory so that creations, renames and deletions in it are durable. */
  syncDirectory(dir: string): Promise<void>;
}
