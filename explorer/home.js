// Home: the store's counts, the search (a subject, a name, or predicate = value), the changes
// arriving now (the change feed's Server-Sent Events from since=now), and the contested claims.
// The search and the contested list's page are in the URL (?q=, ?contested=).
import { get } from './api.js';
import { field, h, notice, paths, query, replace } from './dom.js';
import * as f from './format.js';

const resultsMax = 50;
const contestedPageSize = 25;
const changesShownMax = 50;

/** What a search text asks: `predicate = value`, or a bare text (a subject, or a name). */
async function search(text) {
  const eq = text.indexOf('=');
  const hits = [];
  if (eq > 0) {
    const predicate = text.slice(0, eq).trim();
    const valueText = text.slice(eq + 1).trim();
    const typed = f.typedValue(valueText);
    // `population = 2148000` finds the number; the text too, in case it was stored as a string.
    const objects = typeof typed === 'string' ? [typed] : [typed, valueText];
    for (const object of objects) {
      const page = await get(`/v1/assertions${query({ predicate, object: JSON.stringify(object), limit: resultsMax })}`);
      hits.push(...page.items);
    }
    return { subjectFound: false, hits };
  }
  const [beliefs, named] = await Promise.all([
    get(`/v1/subjects/${encodeURIComponent(text)}/beliefs${query({ limit: 1, candidates: 1 })}`),
    get(`/v1/assertions${query({ predicate: 'name', object: JSON.stringify(text), limit: resultsMax })}`),
  ]);
  return { subjectFound: beliefs.predicates.length > 0, hits: named.items };
}

function searchResults(text, { subjectFound, hits }) {
  const items = [];
  if (subjectFound) items.push(h('li', {}, 'Subject ', h('a', { href: paths.subject(text) }, text)));
  const seen = new Set();
  for (const a of hits) {
    if (seen.has(a.subject)) continue;
    seen.add(a.subject);
    items.push(h('li', {}, h('a', { href: paths.subject(a.subject) }, a.subject), ' ', h('span', { class: 'muted' }, `${a.predicate} = ${f.value(a.object)}`)));
  }
  return h(
    'section',
    { 'aria-labelledby': 'results-title', class: 'card' },
    h('h2', { id: 'results-title' }, `Results for “${text}”`),
    items.length === 0 ? h('p', {}, 'Nothing found. Try a subject (city:2988507), a name (Paris), or predicate = value (name = Paris, population = 2138551).') : h('ul', { class: 'results' }, items),
  );
}

function statsCard(stats) {
  const r = stats.records;
  const rows = [
    ['assertions', r.assertions],
    ['votes', r.votes],
    ['retractions', r.retractions],
    ['epochs', r.epochs],
    ['log end (LSN)', stats.wal.endLsn],
    ['ingest', `${stats.ingest.status}, ${f.number(stats.ingest.lagRecords)} records behind`],
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'stats-title' }, h('h2', { id: 'stats-title' }, 'The store'), h('dl', { class: 'stats' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, f.number(v))])));
}

function searchForm(ctx, text) {
  const input = h('input', { type: 'search', name: 'q', value: text, placeholder: 'Paris · city:2988507 · population = 2138551', autocomplete: 'off' });
  const form = h(
    'form',
    { role: 'search', class: 'search' },
    field('Search by subject, name, or predicate = value', input),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void ctx.navigate(paths.home({ q: input.value.trim() }));
  });
  return form;
}

/** One line about a change: links to what it touches. */
export function changeLine(change) {
  const r = change.record;
  const head = [h('span', { class: 'lsn' }, `LSN ${change.lsn}`), ' ', h('span', { class: `tag ${change.type}` }, change.type), ' '];
  if (change.type === 'assertion') {
    return [head, h('a', { href: paths.subject(r.subject) }, r.subject), ` · ${r.predicate} = `, h('span', { class: 'value' }, f.value(r.object)), ` by ${r.source} `, h('a', { href: paths.assertion(change.hash), 'aria-label': `assertion ${change.hash}` }, f.shortHash(change.hash))];
  }
  if (change.type === 'vote') return [head, `${r.voter} ${r.stance === 'support' ? 'supports' : 'opposes'} `, h('a', { href: paths.assertion(r.assertion) }, f.shortHash(r.assertion))];
  if (change.type === 'retraction') return [head, `${r.source} retracts `, h('a', { href: paths.assertion(r.assertion) }, f.shortHash(r.assertion)), r.reason === undefined ? '' : ` (${r.reason})`];
  return [head, h('a', { href: paths.epochs() }, `epoch ${r.id}`), ` ${r.name}`];
}

function liveChanges(ctx) {
  const list = h('ol', { class: 'changes', reversed: true });
  const state = h('p', { class: 'muted', id: 'changes-state' }, 'Connecting to the change feed…');
  const source = new EventSource('/v1/changes?since=now');
  ctx.onLeave(() => source.close());
  source.addEventListener('cursor', () => replace(state, 'Live: new writes appear here as they are logged.'));
  source.onerror = () => replace(state, 'The change feed is reconnecting…');
  for (const type of ['assertion', 'vote', 'retraction', 'epoch']) {
    source.addEventListener(type, (event) => {
      const change = JSON.parse(event.data);
      list.prepend(h('li', {}, changeLine(change)));
      while (list.children.length > changesShownMax) list.lastElementChild.remove();
    });
  }
  return h('section', { class: 'card', 'aria-labelledby': 'changes-title' }, h('h2', { id: 'changes-title' }, 'Recent changes'), state, h('div', { 'aria-live': 'polite' }, list));
}

function contestedCard(ctx, page, cursor) {
  const items = page.items.map((item) =>
    h('li', {}, h('a', { href: paths.subject(item.subject) }, item.subject), ` · ${item.predicate} · consensus ${f.percent(item.consensus)}`),
  );
  const q = ctx.url.searchParams.get('q') ?? undefined;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'contested-title' },
    h('h2', { id: 'contested-title' }, 'Contested claims'),
    items.length === 0 ? h('p', {}, 'No claim is contested.') : h('ul', { class: 'contested' }, items),
    h('p', {}, cursor === undefined ? null : h('a', { href: paths.home({ q }) }, 'First page'), cursor !== undefined && page.cursor !== undefined ? ' · ' : null, page.cursor === undefined ? null : h('a', { href: paths.home({ q, contested: page.cursor }) }, 'Next page')),
  );
}

export async function homePage(ctx) {
  const text = (ctx.url.searchParams.get('q') ?? '').trim();
  const cursor = ctx.url.searchParams.get('contested') ?? undefined;
  ctx.setTitle(text === '' ? 'Search' : `Search: ${text}`);
  const [stats, contested, found] = await Promise.all([
    get('/v1/stats'),
    get(`/v1/contested${query({ limit: contestedPageSize, cursor })}`),
    text === '' ? undefined : search(text).catch((error) => ({ error })),
  ]);
  let results = null;
  if (found !== undefined) results = found.error === undefined ? searchResults(text, found) : notice('error', `${found.error.code ?? ''} ${found.error.message}`);
  return h(
    'div',
    { class: 'home' },
    h('h1', {}, 'Explore the store'),
    searchForm(ctx, text),
    results,
    h('div', { class: 'grid' }, liveChanges(ctx), contestedCard(ctx, contested, cursor), statsCard(stats)),
  );
}
