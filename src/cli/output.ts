// Writes lines to stdout in large chunks and waits when the pipe is full, so NDJSON output of
// any size (`export`, `sample`) runs in bounded memory at pipe speed. Call `end()` before the
// command returns; nothing is written until a chunk fills or `end()` runs.
import { once } from 'node:events';
import { outputChunkBytes } from '../limits.js';

export class LineWriter {
  private readonly stream: NodeJS.WritableStream;
  private chunk = '';

  constructor(stream: NodeJS.WritableStream = process.stdout) {
    this.stream = stream;
  }

  /** Queues `text` and a newline; resolves at once unless a full chunk must drain first. */
  async line(text: string): Promise<void> {
    this.chunk += `${text}\n`;
    if (this.chunk.length >= outputChunkBytes) await this.flush();
  }

  /** Queues one value as a line of JSON. */
  json(value: unknown): Promise<void> {
    return this.line(JSON.stringify(value));
  }

  async end(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.chunk === '') return;
    const text = this.chunk;
    this.chunk = '';
    // once() rejects if the stream errors (EPIPE) while we wait, instead of hanging.
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
}

/** Prints one value: pretty JSON for people, one line with --json. */
export async function printJson(value: unknown, compact: boolean): Promise<void> {
  const out = new LineWriter();
  await out.line(compact ? JSON.stringify(value) : JSON.stringify(value, null, 2));
  await out.end();
}
