// The input of `import`: a file or stdin ('-'), read as a stream of lines (readline), never
// loaded whole. Counts the bytes read so the progress bar can show them and, for a file
// (whose size is known), an ETA.
import fs from 'node:fs';
import readline from 'node:readline';
import { CliError } from '../errors.js';

export interface LineInput {
  lines: AsyncIterable<string>;
  /** Bytes read so far (ahead of the lines handed out by at most one buffer). */
  bytesRead(): number;
  /** The file's size; undefined for stdin. */
  bytesTotal: number | undefined;
}

/** Opens `file` ('-' for stdin). A missing or unreadable file fails here, before the database is opened. */
export function openLineInput(file: string): LineInput {
  let bytesTotal: number | undefined;
  if (file !== '-') {
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) throw new CliError('INVALID_ARGUMENT', `${file} is not a file`);
      bytesTotal = stat.size;
      fs.accessSync(file, fs.constants.R_OK);
    } catch (error) {
      if (error instanceof CliError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
    }
  }
  let bytes = 0;
  // The stream starts when iteration does: readline drops lines emitted before anyone iterates.
  async function* lines(): AsyncGenerator<string> {
    const stream = file === '-' ? process.stdin : fs.createReadStream(file);
    stream.on('data', (chunk: Buffer | string) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    });
    yield* readline.createInterface({ input: stream, crlfDelay: Infinity });
  }
  return { lines: lines(), bytesRead: () => bytes, bytesTotal };
}
