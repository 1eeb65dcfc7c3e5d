// The explorer in a real browser (headless Chromium, driven by puppeteer-core) over the real
// `stemedb serve`, started with a slice of the sample and a token: search and open a subject,
// the contested badge and bars, the epoch and "as of" controls, a vote through the page (with
// the token dialog), a write by another client arriving live, a stored XSS payload shown as
// text, and no console error on any page. Skips, saying how to install it, without Chromium.


import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { chromiumMissing, findChromium, launchBrowser, openPage, rendered, type PageWindow, type WatchedPage } from './support/browser.js';
import { startServe, type ServeProcess } from './support/server.js';

const chromium = findChromium();
/** Where the subject page's screenshot goes (gitignored). */
const outputDir = path.resolve('test-output', 'explorer');

const paris = 'city:2988507';
const parisPopulation = 2138551;
const inseePopulation = 2102650;
const xssSubject = '<script>window.__xss = "subject"</script>';
const xssObject = '<img src=x onerror="window.__xss = \'object\'">';
const xssSource = 'javascript:window.__xss = "source"';

interface Seeded {
  /** The end of the log before the rival population was asserted: as of it, Paris is not contested. */
  beforeRivalLsn: number;
  rivalHash: string;
  xssHash: string;
}

async function seed(server: ServeProcess): Promise<Seeded> {
  await server.post('/v1/epochs', { id: 2, name: 'census 2020', parent: 1, description: 'The national count, refining GeoNames' });
  const stats = await server.get<{ wal: { endLsn: number } }>('/v1/stats');
  const rival = await server.post('/v1/assertions', { subject: paris, predicate: 'population', object: inseePopulation, source: 'insee', epoch: 2 });
  const xss = await server.post('/v1/assertions', { subject: xssSubject, predicate: 'name', object: xssObject, source: xssSource });
  return { beforeRivalLsn: stats.wal.endLsn, rivalHash: rival.hash, xssHash: xss.hash };
}

function subjectPath(subject: string, params: Record<string, string> = {}): string {
  const search = new URLSearchParams(params).toString();
  return `/subjects/${encodeURIComponent(subject)}${search === '' ? '' : `?${search}`}`;
}

/** The candidates of one predicate as the page shows them: value, and the amounts under its bars. */
async function candidates(page: Page, predicate: string): Promise<{ object: string; support: number; oppose: number; widthPx: number }[]> {
  return page.$$eval(`section[data-predicate="${predicate}"] .candidate`, (items) =>
    items.map((item) => {
      const support = item.querySelector('.bar.support');
      return {
        object: String(item.getAttribute('data-object')),
        support: Number(support.getAttribute('data-amount')),
        oppose: Number(item.querySelector('.bar.oppose').getAttribute('data-amount')),
        widthPx: support.getBoundingClientRect().width,
      };
    }),
  );
}

async function isContested(page: Page, predicate: string): Promise<boolean> {
  return (await page.$(`section[data-predicate="${predicate}"] h2 .badge.contested`)) !== null;
}

describe('the explorer in a browser', { skip: chromium === undefined ? chromiumMissing : false }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let seeded: Seeded;
  const pages: WatchedPage[] = [];

  before(async () => {
    server = await startServe();
    seeded = await seed(server);
    browser = await launchBrowser(chromium!);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function visit(pathAndQuery: string, width?: number): Promise<WatchedPage> {
    const watched = await openPage(browser, width);
    pages.push(watched);
    await watched.page.goto(`${server.url}${pathAndQuery}`);
    return watched;
  }

  async function closeClean(watched: WatchedPage): Promise<void> {
    assert.deepEqual(watched.errors, [], 'no console errors');
    await watched.page.close();
  }

  test('searching "Paris" finds its subject, whose page opens; back returns to the results', async () => {
    const watched = await visit('/');
    const { page } = watched;
    await rendered(page, 'form[role="search"]');
    await page.type('input[name="q"]', 'Paris');
    await page.keyboard.press('Enter');
    const link = `a[href="${subjectPath(paris)}"]`;
    await rendered(page, `.results ${link}`);
    assert.equal(new URL(page.url()).search, '?q=Paris', 'the search is in the URL');
    await page.click(`.results ${link}`);
    await rendered(page, 'article.subject');
    assert.equal(new URL(page.url()).pathname, subjectPath(paris));
    assert.equal(await page.$eval('h1', (el) => el.textContent), paris);
    assert.equal(await page.$eval('.lead', (el) => el.textContent), 'Paris');
    await page.goBack();
    await rendered(page, `.results ${link}`);
    assert.equal(await page.$eval('input[name="q"]', (el) => el.value), 'Paris');
    await closeClean(watched);
  });

  test('a contested claim shows its badge and its bars; a screenshot of the page is saved', async (t) => {
    const watched = await visit(subjectPath(paris));
    const { page } = watched;
    await rendered(page, 'section[data-predicate="population"]');
    assert.equal(await isContested(page, 'population'), true);
    assert.equal(await isContested(page, 'name'), false);
    const shown = await candidates(page, 'population');
    assert.deepEqual(shown.map((c) => [c.object, c.support, c.oppose]), [[String(parisPopulation), 1, 0], [String(inseePopulation), 1, 0]]);
    assert.ok(shown.every((c) => c.widthPx > 0), 'each support bar is drawn');
    assert.match(await page.$eval('section[data-predicate="population"] .best', (el) => el.textContent ?? ''), /consensus 50%/);
    // Each candidate lists the assertion behind it, with its source, epoch and status.
    const rival = await page.$eval(`li.assertion[data-hash="${seeded.rivalHash}"]`, (el) => el.textContent ?? '');
    assert.match(rival, /insee · epoch 2 · .* UTC · live/);
    fs.mkdirSync(outputDir, { recursive: true });
    const file = path.join(outputDir, 'subject.png');
    await page.screenshot({ path: file, fullPage: true });
    t.diagnostic(`screenshot: ${file}`);
    await closeClean(watched);
  });

  test('at phone width the subject page fits the screen', async () => {
    const watched = await visit(subjectPath(paris), 390);
    const { page } = watched;
    await rendered(page, 'section[data-predicate="population"]');
    const overflow = await page.evaluate(() => (globalThis as unknown as PageWindow).document.documentElement.scrollWidth - (globalThis as unknown as PageWindow).innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
    fs.mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: path.join(outputDir, 'subject-phone.png'), fullPage: true });
    await closeClean(watched);
  });

  test('the epoch selector and the "as of" control change the answer, in the URL', async () => {
    const watched = await visit(subjectPath(paris));
    const { page } = watched;
    await rendered(page, 'section[data-predicate="population"]');
    // Epoch 1 (GeoNames) leaves out INSEE's figure, which is of epoch 2.
    await page.select('select[name="epoch"]', '1');
    await page.waitForFunction(() => new URL((globalThis as unknown as PageWindow).location.href).searchParams.get('epoch') === '1');
    await rendered(page, '#answered-at');
    assert.deepEqual((await candidates(page, 'population')).map((c) => c.object), [String(parisPopulation)]);
    assert.equal(await isContested(page, 'population'), false);
    // Epoch 2 descends from 1: both figures count, and the claim is contested again.
    await page.select('select[name="epoch"]', '2');
    await page.waitForFunction(() => new URL((globalThis as unknown as PageWindow).location.href).searchParams.get('epoch') === '2');
    await rendered(page, 'section[data-predicate="population"] .badge.contested');
    assert.equal((await candidates(page, 'population')).length, 2);
    // As of the log's end before INSEE's assertion, only GeoNames' figure existed.
    await page.type('input[name="asOf"]', String(seeded.beforeRivalLsn));
    await page.click('form.scope button[type="submit"]');
    await page.waitForFunction((lsn: number) => new URL((globalThis as unknown as PageWindow).location.href).searchParams.get('asOf') === String(lsn), {}, seeded.beforeRivalLsn);
    await rendered(page, '#answered-at');
    assert.equal(await page.$eval('#answered-at', (el) => el.textContent), `As of LSN ${seeded.beforeRivalLsn}: as the store stood when its log ended there; in epoch 2.`);
    assert.deepEqual((await candidates(page, 'population')).map((c) => c.object), [String(parisPopulation)]);
    assert.equal(await isContested(page, 'population'), false);
    // The back button returns to the unscoped-in-time page of epoch 2.
    await page.goBack();
    await page.waitForFunction(() => !new URL((globalThis as unknown as PageWindow).location.href).searchParams.has('asOf'));
    await rendered(page, 'section[data-predicate="population"] .badge.contested');
    await closeClean(watched);
  });

  test('a scope the store refuses is reported on the page, with the controls to change it', async () => {
    const watched = await visit(subjectPath(paris, { asOf: '999999999999' }));
    const { page } = watched;
    await rendered(page, '.notice.error');
    assert.match(await page.$eval('.notice.error', (el) => el.textContent ?? ''), /^INVALID_QUERY: /);
    assert.equal(await page.$eval('input[name="asOf"]', (el) => el.value), '999999999999');
    // The browser logs the refused request itself (a 400), and nothing else.
    assert.equal(watched.errors.length, 1, watched.errors.join('\n'));
    assert.match(watched.errors[0]!, /status of 400/);
    watched.errors.length = 0;
    await page.$eval('input[name="asOf"]', (el) => (el.value = ''));
    await page.click('form.scope button[type="submit"]');
    await rendered(page, 'section[data-predicate="population"]');
    await closeClean(watched);
  });

  test('a vote through the page, after the token dialog, changes the bars', async () => {
    const watched = await visit(subjectPath(paris));
    const { page } = watched;
    await rendered(page, 'section[data-predicate="population"]');
    const before = await candidates(page, 'population');
    await page.click('details.write summary');
    await page.type('input[name="name"]', 'browser-tester');
    await page.click(`li.assertion[data-hash="${seeded.rivalHash}"] button[data-vote="support"]`);
    // The server has a token and the tab none yet: the page asks for it before writing.
    await page.waitForSelector('#token-dialog[open]');
    await page.type('#token-input', server.token);
    await page.click('#token-form button[type="submit"]');
    await rendered(page, '.flash .notice.ok');
    const after = await candidates(page, 'population');
    const rivalBefore = before.find((c) => c.object === String(inseePopulation))!;
    const rivalAfter = after.find((c) => c.object === String(inseePopulation))!;
    assert.equal(rivalAfter.support, rivalBefore.support + 1);
    assert.equal(after[0]!.object, String(inseePopulation), 'the supported figure now ranks first');
    assert.ok(rivalAfter.widthPx > after[1]!.widthPx, 'its support bar is the longer');
    // The token is kept for the tab: an opposing vote goes through without asking again.
    await page.click(`section[data-predicate="population"] li.candidate[data-object="${parisPopulation}"] button[data-vote="oppose"]`);
    await page.waitForFunction((n: number) => (globalThis as unknown as PageWindow).document.querySelector(`li.candidate[data-object="${n}"] .bar.oppose`)?.getAttribute('data-amount') === '1', {}, parisPopulation);
    assert.equal(await page.$('#token-dialog[open]'), null);
    // The tally counts votes only (the source's own implicit support is the beliefs' rule).
    const { tally } = await server.get<{ tally: { support: number; voters: number } }>(`/v1/assertions/${seeded.rivalHash}`);
    assert.deepEqual([tally.support, tally.voters], [1, 1], 'the vote reached the store');
    await closeClean(watched);
  });

  test('an assertion written through the page can be retracted by its author, and its page shows why', async () => {
    const watched = await visit(subjectPath(paris));
    const { page } = watched;
    await rendered(page, 'section[data-predicate="population"]');
    await page.click('details.write summary');
    await page.type('input[name="name"]', 'page-author');
    await page.type('form.assert input[name="predicate"]', 'motto');
    await page.type('form.assert input[name="value"]', 'Fluctuat nec mergitur');
    await page.click('form.assert button[type="submit"]');
    // A new tab keeps no token: this one asks again.
    await page.waitForSelector('#token-dialog[open]');
    await page.type('#token-input', server.token);
    await page.click('#token-form button[type="submit"]');
    await rendered(page, 'section[data-predicate="motto"] .candidate');
    assert.equal(await page.$eval('section[data-predicate="motto"] .best .value', (el) => el.textContent), 'Fluctuat nec mergitur');
    const hash = await page.$eval('section[data-predicate="motto"] li.assertion', (el) => el.getAttribute('data-hash') as string);
    await page.click(`section[data-predicate="motto"] li.assertion[data-hash="${hash}"] button[data-retract]`);
    await rendered(page, 'section[data-predicate="motto"] details.others');
    assert.equal(await page.$('section[data-predicate="motto"] .candidate'), null, 'no live value is left');
    assert.match(await page.$eval('section[data-predicate="motto"] .best', (el) => el.textContent ?? ''), /No best value/);
    assert.equal(await page.$eval(`section[data-predicate="motto"] details.others li.assertion[data-hash="${hash}"] .status`, (el) => el.textContent), 'retracted');
    // Only an assertion's author may retract it: no Retract button shows on the sample's own.
    assert.equal(await page.$('section[data-predicate="population"] button[data-retract]:not([hidden])'), null);
    assert.ok(await page.$('section[data-predicate="population"] button[data-retract][hidden]'));
    await page.click('section[data-predicate="motto"] details.others summary');
    await page.click(`section[data-predicate="motto"] details.others a[href="/assertions/${hash}"]`);
    await rendered(page, 'li.retraction');
    assert.equal(await page.$eval('main .status', (el) => el.textContent), 'retracted');
    assert.match(await page.$eval('li.retraction', (el) => el.textContent ?? ''), /^Retracted by page-author on /);
    await closeClean(watched);
  });

  test('a subject\'s history lists its records in LSN order and opens the page as of any of them', async () => {
    const watched = await visit(`/subjects/${encodeURIComponent(paris)}/history`);
    const { page } = watched;
    await rendered(page, '.timeline li');
    const entries = await page.$$eval('.timeline li', (items) => items.map((li) => ({ kind: li.querySelector('.tag').textContent, lsn: Number(li.querySelector('.lsn').textContent.replace('LSN ', '')), text: li.textContent })));
    assert.ok(entries.every((e, i) => i === 0 || e.lsn > entries[i - 1]!.lsn), 'in LSN order');
    assert.deepEqual([...new Set(entries.map((e) => e.kind))].sort(), ['assertion', 'retraction', 'vote']);
    assert.ok(entries.some((e) => e.text.includes(`browser-tester supports population = ${inseePopulation}`)), 'a vote names the value it is about');
    // As of just after INSEE's assertion (and before any vote): both figures, one supporter each.
    const rival = entries.find((e) => e.text.includes(`population = ${inseePopulation} by insee`))!;
    await page.click(`.timeline a[href="${subjectPath(paris, { asOf: String(rival.lsn + 1) })}"]`);
    await rendered(page, '#answered-at');
    assert.match(await page.$eval('#answered-at', (el) => el.textContent ?? ''), new RegExp(`^As of LSN ${rival.lsn + 1}:`));
    assert.deepEqual((await candidates(page, 'population')).map((c) => [c.object, c.support]), [[String(parisPopulation), 1], [String(inseePopulation), 1]]);
    await closeClean(watched);
  });

  test('a write by another client appears in recent changes without a reload', async () => {
    const watched = await visit('/');
    const { page } = watched;
    await page.waitForFunction(() => (globalThis as unknown as PageWindow).document.getElementById('changes-state')?.textContent?.startsWith('Live'));
    await page.evaluate(() => ((globalThis as unknown as PageWindow).pageMarker = 42));
    const written = await server.post('/v1/assertions', { subject: 'city:live-test', predicate: 'motto', object: 'Fluctuat nec mergitur', source: 'another-client' });
    await page.waitForSelector(`.changes a[href="/assertions/${written.hash}"]`);
    const line = await page.$eval('.changes li', (el) => el.textContent ?? '');
    assert.match(line, /city:live-test · motto = Fluctuat nec mergitur by another-client/);
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageWindow).pageMarker), 42, 'the page was not reloaded');
    await closeClean(watched);
  });

  test('a subject\'s page offers a refresh when another client writes about it', async () => {
    const watched = await visit(subjectPath(paris));
    const { page } = watched;
    await rendered(page, 'section[data-predicate="population"]');
    // Once the feed follows (its first event arrived), no later write is missed.
    await page.waitForSelector('.live-note[data-feed="live"]');
    await server.post('/v1/assertions', { subject: paris, predicate: 'nickname', object: 'la Ville Lumière', source: 'another-client' });
    await page.waitForSelector('.live-note .notice.info button');
    assert.match(await page.$eval('.live-note .notice', (el) => el.textContent ?? ''), /^1 new change since this page was drawn/);
    assert.equal(await page.$('section[data-predicate="nickname"]'), null, 'the page is not redrawn under the reader');
    await page.click('.live-note .notice.info button');
    await rendered(page, 'section[data-predicate="nickname"]');
    assert.equal(await page.$eval('section[data-predicate="nickname"] .best .value', (el) => el.textContent), 'la Ville Lumière');
    await closeClean(watched);
  });

  test('a stored <script> or javascript: value renders as text, never runs or links', async () => {
    for (const target of [subjectPath(xssSubject), `/assertions/${seeded.xssHash}`, `/subjects/${encodeURIComponent(xssSubject)}/history`, `/?q=${encodeURIComponent(`name = ${xssObject}`)}`]) {
      const watched = await visit(target);
      const { page } = watched;
      await rendered(page, 'h1');
      await page.waitForFunction(() => (globalThis as unknown as PageWindow).document.querySelector('main')?.textContent?.includes('onerror'));
      const main = await page.$eval('main', (el) => ({
        text: el.textContent ?? '',
        scripts: el.querySelectorAll('script').length,
        images: el.querySelectorAll('img').length,
        hrefs: Array.from(el.querySelectorAll('a'), (a: { getAttribute(name: string): string | null }) => a.getAttribute('href') ?? ''),
      }));
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageWindow).__xss), undefined, `${target}: nothing ran`);
      assert.equal(main.scripts, 0, target);
      assert.equal(main.images, 0, target);
      assert.ok(main.text.includes(xssObject), `${target} shows the object as text`);
      assert.ok(main.hrefs.every((href) => href.startsWith('/') && !href.startsWith('//')), `${target}: only links to our own paths: ${main.hrefs.join(' ')}`);
      if (!target.startsWith('/?')) assert.ok(main.text.includes(xssSource), `${target} shows the source as text`);
      if (target.startsWith('/subjects/') && !target.endsWith('/history')) assert.equal(await page.$eval('h1', (el) => el.textContent), xssSubject);
      await closeClean(watched);
    }
  });

  test('no page logs a console error, and every control on it has a label or a name', async () => {
    const subject = encodeURIComponent(paris);
    const targets = [
      ['/', 'form[role="search"]'],
      ['/?q=population%20%3D%202138551', '.results a'],
      [`/subjects/${subject}?epoch=2`, 'section[data-predicate="population"]'],
      [`/subjects/${subject}/history`, '.timeline li'],
      [`/assertions/${seeded.rivalHash}`, 'table.votes'],
      ['/epochs', '.tree li[data-epoch="2"]'],
    ] as const;
    for (const [target, selector] of targets) {
      const watched = await visit(target);
      await rendered(watched.page, selector);
      // Every control has a label, and every button and link a name a screen reader can say.
      const unnamed = await watched.page.$$eval('input, select, button, a', (controls) =>
        controls
          .filter((el) => (el.tagName === 'INPUT' || el.tagName === 'SELECT' ? el.labels.length === 0 : (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() === ''))
          .map((el) => el.outerHTML),
      );
      assert.deepEqual(unnamed, [], `${target}: controls without a label or name`);
      await closeClean(watched);
    }
    // And every page opened by the tests above ran clean too.
    assert.deepEqual(pages.flatMap((p) => p.errors), []);
  });
});
