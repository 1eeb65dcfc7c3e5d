// db.changes(): the change feed over the library. Records in LSN order after an exclusive
// cursor, only once queryable, filtered by subject (votes and retractions by their assertion's)
// and type; following, ending on abort, break and close; INVALID_CURSOR and CURSOR_EXPIRED.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StemeDB, StemeError, type Change, type ChangesOptions } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';

const quiet = { log: () => undefined };

function code(expected: string) {
  return (error: unknown): boolean => error instanceof StemeError && error.code === expected;
}

async function collect(db: StemeDB, options: ChangesOptions = {}): Promise<Change[]> {
  const changes: Change[] = [];
  for await (const change of db.changes(options)) changes.push(change);
  return changes;
}

/** Three subjects' assertions, a vote, a retraction and an epoch, in this log order. */
async function seed(db: StemeDB) {
  const paris = await db.assert({ subject: 'city:paris', predicate: 'population', object: { n: 2148000 }, source: 'insee', createdAt: 1 });
  const oslo = await db.assert({ subject: 'city:oslo', predicate: 'population', object: 709037, source: 'ssb', createdAt: 2 });
  const vote = await db.vote({ assertion: paris.hash, voter: 'ada', stance: 'support', createdAt: 3 });
  const epoch = await db.defineEpoch({ id: 1, name: 'census', createdAt: 4 });
  const retraction = await db.retract({ assertion: oslo.hash, source: 'ssb', createdAt: 5 });
  return { paris, oslo, vote, epoch, retraction };
}

describe('reading the feed', () => {
  test('without since, every record in LSN order, each as get returns it, then the feed ends', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { paris, oslo, vote, epoch, retraction } = await seed(db);
    const changes = await collect(db);
    assert.deepEqual(changes.map((c) => c.hash), [paris.hash, oslo.hash, vote.hash, epoch.hash, retraction.hash]);
    assert.deepEqual(changes.map((c) => c.lsn), [paris.lsn, oslo.lsn, vote.lsn, epoch.lsn, retraction.lsn]);
    assert.deepEqual(changes.map((c) => c.type), ['assertion', 'assertion', 'vote', 'epoch', 'retraction']);
    for (let i = 1; i < changes.length; i++) assert.equal(changes[i]!.lsn, changes[i - 1]!.nextLsn);
    const { hash: _hash, lsn: _lsn, status: _status, ...asGot } = db.get(paris.hash) as unknown as Record<string, unknown>;
    assert.deepEqual(changes[0]!.record, asGot);
    assert.deepEqual((changes[0]!.record as { object: unknown }).object, { n: 2148000 });
  });

  test('since is exclusive: the change at since is not repeated, and lastLsn resumes', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { oslo, vote, epoch, retraction } = await seed(db);
    assert.deepEqual((await collect(db, { since: oslo.lsn })).map((c) => c.hash), [vote.hash, epoch.hash, retraction.hash]);
    assert.deepEqual(await collect(db, { since: retraction.lsn }), []);
    const feed = db.changes({ types: ['assertion'] });
    for await (const change of feed) assert.equal(change.type, 'assertion');
    // The last record read, though the filter left it out: resuming does not scan it again.
    assert.equal(feed.lastLsn, retraction.lsn);
    const empty = db.changes({ since: retraction.lsn });
    for await (const _ of empty) assert.fail('nothing after the last record');
    assert.equal(empty.lastLsn, retraction.lsn);
  });

  test('the subject filter keeps assertions about it and the votes and retractions on them', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { paris, oslo, vote, retraction } = await seed(db);
    assert.deepEqual((await collect(db, { subject: 'city:paris' })).map((c) => c.hash), [paris.hash, vote.hash]);
    assert.deepEqual((await collect(db, { subject: 'city:oslo' })).map((c) => c.hash), [oslo.hash, retraction.hash]);
    assert.deepEqual((await collect(db, { subject: 'city:oslo', types: ['retraction'] })).map((c) => c.hash), [retraction.hash]);
    assert.deepEqual((await collect(db, { types: ['vote', 'epoch'] })).map((c) => c.type), ['vote', 'epoch']);
    assert.throws(() => db.changes({ types: ['nope' as 'vote'] }), code('INVALID_ARGUMENT'));
    assert.throws(() => db.changes({ types: [] }), code('INVALID_ARGUMENT'));
  });

  test('matches a plain reference: filtering the whole feed by hand gives the filtered feed', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const subjects = ['a', 'b', 'c'];
    const hashes: string[] = [];
    for (let i = 0; i < 60; i++) {
      const pick = (i * 7) % 5;
      if (pick < 3 || hashes.length === 0) {
        hashes.push((await db.assert({ subject: subjects[i % 3]!, predicate: `p${i % 4}`, object: i, source: `s${i % 2}`, createdAt: i })).hash);
      } else {
        await db.vote({ assertion: hashes[(i * 13) % hashes.length]!, voter: `v${i}`, stance: i % 2 === 0 ? 'support' : 'oppose', createdAt: i });
      }
    }
    const all = await collect(db);
    const subjectOf = (c: Change): string | undefined =>
      c.record.type === 'assertion' ? c.record.subject : c.record.type === 'vote' ? (all.find((a) => a.hash === (c.record as { assertion: string }).assertion)!.record as { subject: string }).subject : undefined;
    for (const subject of subjects) {
      for (const types of [undefined, ['vote'] as const, ['assertion'] as const]) {
        const expected = all.filter((c) => subjectOf(c) === subject && (types === undefined || (types as readonly string[]).includes(c.type)));
        const got = await collect(db, { subject, ...(types && { types }) });
        assert.deepEqual(got, expected, `${subject} ${String(types)}`);
        for (const since of [0, all[10]!.lsn, all[40]!.lsn]) {
          assert.deepEqual(await collect(db, { subject, since, ...(types && { types }) }), expected.filter((c) => c.lsn > since));
        }
      }
    }
  });
});

describe('following', () => {
  test("since 'now' follows only new records, from several writers, each once, in LSN order, queryable on arrival", async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    await seed(db);
    const stop = new AbortController();
    const seen: Change[] = [];
    const total = 200;
    const reading = (async () => {
      for await (const change of db.changes({ since: 'now', follow: true, signal: stop.signal })) {
        assert.notEqual(db.get(change.hash), undefined, 'queryable when its change arrives');
        seen.push(change);
        if (seen.length === total) stop.abort();
      }
    })();
    const writers = Array.from({ length: 4 }, (_, w) =>
      (async () => {
        for (let i = 0; i < total / 4; i++) await db.assert({ subject: `w${w}`, predicate: 'n', object: i, source: 'test' });
      })(),
    );
    await Promise.all(writers);
    await reading;
    assert.equal(seen.length, total);
    assert.equal(new Set(seen.map((c) => c.hash)).size, total);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.lsn > seen[i - 1]!.lsn);
    assert.ok(seen.every((c) => c.record.type === 'assertion' && c.record.subject.startsWith('w')));
  });

  test('a {visible: false} write reaches the feed only once ingested, and holds back later ones', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const stop = new AbortController();
    const seen: Change[] = [];
    const reading = (async () => {
      for await (const change of db.changes({ follow: true, signal: stop.signal })) {
        assert.notEqual(db.get(change.hash), undefined, 'queryable when its change arrives');
        seen.push(change);
      }
    })();
    await db.pauseIngest();
    const hidden = await db.assert({ subject: 'x', predicate: 'p', object: 1, source: 's' }, { visible: false });
    const shown = await db.assert({ subject: 'x', predicate: 'p', object: 2, source: 's' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(seen.length, 0, 'nothing while the invisible record is not ingested');
    db.resumeIngest();
    await db.sync();
    while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(seen.map((c) => c.hash), [hidden.hash, shown.hash]);
    stop.abort();
    await reading;
  });

  test('breaking out of the loop and closing the database end a following feed', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    await seed(db);
    for await (const _ of db.changes({ follow: true })) break;
    let ended = false;
    const waiting = (async () => {
      for await (const _ of db.changes({ since: 'now', follow: true })) assert.fail('no writes');
      ended = true;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await db.close();
    await waiting;
    assert.ok(ended);
    t.diagnostic('the test process exits: no handle is left open');
  });
});

describe('cursors', () => {
  test('since beyond the end, negative, or not where a record starts is INVALID_CURSOR', async (t) => {
    const db = await StemeDB.open(tempDir(t), quiet);
    t.after(() => db.close());
    const { paris } = await seed(db);
    const end = db.stats().wal.endLsn;
    assert.throws(() => db.changes({ since: end + 1 }), code('INVALID_CURSOR'));
    assert.throws(() => db.changes({ since: -1 }), code('INVALID_CURSOR'));
    assert.throws(() => db.changes({ since: 1.5 }), code('INVALID_CURSOR'));
    await assert.rejects(db.changes({ since: paris.lsn + 3 }).check(), code('INVALID_CURSOR'));
    await assert.rejects(collect(db, { since: paris.lsn + 3 }), code('INVALID_CURSOR'));
    assert.deepEqual(await collect(db, { since: end }), []);
  });

  test('a since in deleted WAL segments is CURSOR_EXPIRED with the oldest LSN still available', async (t) => {
    const db = await StemeDB.open(tempDir(t), { ...quiet, retainWal: false, segmentBytesMax: 16 * 1024 });
    t.after(() => db.close());
    const first = await db.assert({ subject: 's', predicate: 'p', object: 0, source: 'x' });
    for (let i = 1; i < 400; i++) await db.assert({ subject: 's', predicate: 'p', object: i, source: 'x' });
    await db.sync();
    // Paused, ingest deletes no more segments (pausing waits for a deletion under way): the oldest LSN holds still.
    await db.pauseIngest();
    const oldestLsn = db.stats().wal.firstLsn;
    assert.ok(oldestLsn > 0, 'segments were deleted');
    for (const since of [undefined, 0, first.lsn]) {
      assert.throws(
        () => db.changes({ ...(since !== undefined && { since }) }),
        (error: unknown) => code('CURSOR_EXPIRED')(error) && (error as { oldestLsn: number }).oldestLsn === oldestLsn,
      );
    }
    const rest = await collect(db, { since: oldestLsn });
    assert.ok(rest.length > 0 && rest.length < 400);
    assert.equal((rest[rest.length - 1]!.record as { object: number }).object, 399);
  });

  test('a following subscriber that falls behind a deleted segment gets CURSOR_EXPIRED, then the feed ends', async (t) => {
    const db = await StemeDB.open(tempDir(t), { ...quiet, retainWal: false, segmentBytesMax: 1024 * 1024 });
    t.after(() => db.close());
    const record = (i: number) => ({ type: 'assertion', subject: 's', predicate: 'p', object: { i, pad: 'x'.repeat(1000) }, source: 'x', createdAt: i });
    await db.appendBatch([record(0)]);
    const feed = db.changes({ follow: true });
    const reader = feed[Symbol.asyncIterator]();
    assert.equal((await reader.next()).done, false, 'the subscriber has read the first change');
    // It stalls while writers log more than the WAL keeps in memory for followers (8 MiB) and
    // ingest deletes the segments it has not read yet.
    for (let i = 1; i < 12_000; i += 1000) await db.appendBatch(Array.from({ length: 1000 }, (_, j) => record(i + j)));
    await db.sync();
    await db.pauseIngest(); // any deletion under way has finished
    const oldestLsn = db.stats().wal.firstLsn;
    assert.ok(oldestLsn > 1024 * 1024, 'segments the subscriber has not read were deleted');
    await assert.rejects(
      (async () => {
        for (;;) if ((await reader.next()).done === true) return;
      })(),
      (error: unknown) => code('CURSOR_EXPIRED')(error) && (error as { oldestLsn: number }).oldestLsn === oldestLsn,
    );
    assert.equal((await reader.next()).done, true, 'the feed has ended');
  });
});
