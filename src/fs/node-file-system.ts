// The real file system, on Node's callback fs API (lower overhead per call than
// fs/promises FileHandle, which matters on the group-commit path).
import fs from 'node:fs';
import type { FileHandle, FileSystem } from './file-system.js';

function call<T>(run: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((error, value) => (error ? reject(error) : resolve(value)));
  });
}

class NodeFileHandle implements FileHandle {
  constructor(
    private readonly fd: number,
    /** Opened with O_DSYNC: a completed write is already durable. */
    private readonly syncWrites = false,
  ) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const n = await call<number>((done) =>
        fs.write(this.fd, data, written, data.length - written, position + written, done),
      );
      written += n;
    }
  }

  async writeDurably(data: Uint8Array, position: number): Promise<void> {
    await this.write(data, position);
    if (!this.syncWrites) await this.datasync();
  }

  read(into: Uint8Array, length: number, position: number): Promise<number> {
    return call<number>((done) => fs.read(this.fd, into, 0, length, position, done));
  }

  datasync(): Promise<void> {
    return call<void>((done) => fs.fdatasync(this.fd, (error) => done(error, undefined)));
  }

  truncate(bytes: number): Promise<void> {
    return call<void>((done) => fs.ftruncate(this.fd, bytes, (error) => done(error, undefined)));
  }

  async size(): Promise<number> {
    const stats = await call<fs.Stats>((done) => fs.fstat(this.fd, done));
    return stats.size;
  }

  close(): Promise<void> {
    return call<void>((done) => fs.close(this.fd, (error) => done(error, undefined)));
  }
}

async function openWith(path: string, flags: number, syncWrites = false): Promise<FileHandle> {
  const fd = await call<number>((done) => fs.open(path, flags | (syncWrites ? fs.constants.O_DSYNC : 0), 0o644, done));
  return new NodeFileHandle(fd, syncWrites);
}

export class NodeFileSystem implements FileSystem {
  openReadWrite(path: string, options?: { syncWrites?: boolean }): Promise<FileHandle> {
    return openWith(path, fs.constants.O_RDWR, options?.syncWrites === true);
  }

  createExclusive(path: string): Promise<FileHandle> {
    return openWith(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL);
  }

  openReadOnly(path: string): Promise<FileHandle> {
    return openWith(path, fs.constants.O_RDONLY);
  }

  list(dir: string): Promise<string[]> {
    return fs.promises.readdir(dir);
  }

  remove(path: string): Promise<void> {
    return fs.promises.unlink(path);
  }

  async makeDirectory(dir: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
  }

  async syncDirectory(dir: string): Promise<void> {
    const fd = await call<number>((done) => fs.open(dir, fs.constants.O_RDONLY, done));
    try {
      // fsync, not fdatasync: a directory's "data" is its entries, and some file systems
      // only honour fsync on directory descriptors.
      await call<void>((done) => fs.fsync(fd, (error) => done(error, undefined)));
    } finally {
      await call<void>((done) => fs.close(fd, (error) => done(error, undefined)));
    }
  }
}

/** The shared production instance. */
export const nodeFileSystem: FileSystem = new NodeFileSystem();
