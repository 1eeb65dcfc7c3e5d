// Streams a paged read (subject, find, history, contested) as NDJSON or one line of text per
// item: page after page, each at most pageLimitMax items, until the last page or `limit`
// items, so any number of results prints in bounded memory. The command holds the database's
// lock, so no write lands between pages.
import type { Page } from '../index.js';
import { pageLimitMax } from '../limits.js';
import type { LineWriter } from './output.js';

/** Reads one page of at most `limit` items after `cursor` (undefined for the first page). */
export type ReadPage<T> = (page: { limit: number; cursor?: string }) => Page<T>;

/**
 * Writes every item of every page, at most `limit` of them (all when undefined): as a JSON
 * line, or as the line `render` makes of it.
 */
export async function printPages<T>(out: LineWriter, limit: number | undefined, read: ReadPage<T>, render?: (item: T) => string): Promise<void> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  let cursor: string | undefined;
  do {
    const page = read({ limit: Math.min(left, pageLimitMax), ...(cursor !== undefined && { cursor }) });
    for (const item of page.items) await (render === undefined ? out.json(item) : out.line(render(item)));
    left -= page.items.length;
    cursor = page.cursor;
  } while (cursor !== undefined && left > 0);
}
