// Starts the real `stemedb serve` (the built CLI) in a child process over a temp data dir
// with a small slice of the sample, as a user's `npm start` would, and stops it by its pid.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { exitOf, spawnStemedb, waitForOutput } from '../../cli/fixtures/cli.js';

export interface ServeProcess {
  url: string;
  token: string;
  child: ChildProcessWithoutNullStreams;
  /** GET a /v1 path; the answer's JSON. */
  get<T>(pathAndQuery: string): Promise<T>;
  /** POST a record with the token; the answer's JSON ({hash, lsn}). */
  post(pathAndQuery: string, body: unknown): Promise<{ hash: string; lsn: number }>;
  stop(): Promise<void>;
}

/** The sample's most populous cities: 2,000 of them include Paris and load in about a second. */
export const sampleCities = 2000;

export async function startServe(): Promise<ServeProcess> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'stemedb-explorer-'));
  const token = 'explorer-test-token';
  const child = spawnStemedb(data, ['--json', 'serve', '--port', '0', '--sample', '--sample-limit', String(sampleCities), '--token', token, '--log-level', 'warn']);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitOf(child);
      clearTimeout(timer);
    }
    fs.rmSync(data, { recursive: true, force: true });
  };
  try {
    const [line] = await waitForOutput(child, /\{"url".*\}\n/, 60_000);
    const { url } = JSON.parse(line) as { url: string };
    const answer = async (response: Response) => {
      const body = (await response.json()) as unknown;
      assert.ok(response.ok, `${response.status}: ${JSON.stringify(body)}`);
      return body;
    };
    return {
      url,
      token,
      child,
      get: async <T>(p: string) => (await answer(await fetch(`${url}${p}`))) as T,
      post: async (p, body) =>
        (await answer(await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) }))) as { hash: string; lsn: number },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
