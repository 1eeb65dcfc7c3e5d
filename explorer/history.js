// A subject's history: every assertion about it, and every vote and retraction on those, in
// LSN order, a page at a time (the cursor is in the URL). Each entry links to the subject's
// page as of just after it, so a reader can step through how the claim changed.
import { get } from './api.js';
import { h, paths, query } from './dom.js';
import * as f from './format.js';

const pageSize = 100;

/** A link to an assertion, named by its value when this page holds it (it usually precedes its votes). */
function target(hash, values) {
  return h('a', { href: paths.assertion(hash) }, values.has(hash) ? `${values.get(hash)} (${f.shortHash(hash)})` : f.shortHash(hash));
}

function entry(subject, item, values) {
  const r = item.record;
  let what;
  if (item.type === 'assertion') {
    what = [`${r.predicate} = `, h('span', { class: 'value' }, f.value(r.object)), ` by ${r.source}`, r.epoch === undefined ? '' : ` in epoch ${r.epoch}`, r.supersedes === undefined ? '' : [' — supersedes ', target(r.supersedes, values)]];
  } else if (item.type === 'vote') {
    what = [`${r.voter} ${r.stance === 'support' ? 'supports' : 'opposes'} `, target(r.assertion, values), r.weight === 1 ? '' : ` (weight ${r.weight})`];
  } else {
    what = [`${r.source} retracts `, target(r.assertion, values), r.reason === undefined ? '' : `: “${r.reason}”`];
  }
  const kind = item.type === 'assertion' && r.supersedes !== undefined ? 'supersession' : item.type;
  return h(
    'li',
    { class: `event ${kind}` },
    h('span', { class: 'lsn' }, `LSN ${item.lsn}`),
    ' ',
    h('span', { class: `tag ${kind}` }, kind),
    ' ',
    what,
    h('span', { class: 'muted' }, ` · ${f.time(r.createdAt)} · `),
    h('a', { href: paths.assertion(item.hash), 'aria-label': `record ${item.hash}` }, f.shortHash(item.hash)),
    ' · ',
    h('a', { href: paths.subject(subject, { asOf: item.lsn + 1 }) }, 'page as of here'),
  );
}

export async function historyPage(ctx, subject) {
  const predicate = ctx.url.searchParams.get('predicate') ?? '';
  const cursor = ctx.url.searchParams.get('cursor') ?? '';
  ctx.setTitle(`History of ${subject}`);
  const page = await get(`/v1/subjects/${encodeURIComponent(subject)}/history${query({ predicate, cursor, limit: pageSize })}`);
  const values = new Map(page.items.filter((item) => item.type === 'assertion').map((item) => [item.hash, `${item.record.predicate} = ${f.value(item.record.object)}`]));
  return h(
    'article',
    { class: 'history' },
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Search'), ' › ', h('a', { href: paths.subject(subject) }, subject), ' › history'),
    h('h1', {}, 'History of ', h('span', { class: 'subject-id' }, subject), predicate === '' ? '' : ` · ${predicate}`),
    h('p', { class: 'muted' }, `Assertions, votes, retractions and supersessions in log (LSN) order, read at LSN ${page.atLsn}.`),
    page.items.length === 0 ? h('p', {}, 'No records.') : h('ol', { class: 'timeline' }, page.items.map((item) => entry(subject, item, values))),
    h('p', {}, cursor === '' ? null : h('a', { href: paths.history(subject, { predicate }) }, 'First page'), cursor !== '' && page.cursor !== undefined ? ' · ' : null, page.cursor === undefined ? null : h('a', { href: paths.history(subject, { predicate, cursor: page.cursor }) }, 'Next page')),
  );
}
