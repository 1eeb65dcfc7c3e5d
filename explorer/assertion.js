// A record's page (usually an assertion): its fields, hash and status; its tally and every
// vote, the latest vote of each voter highlighted (only that one counts); what it supersedes
// or is superseded by; its retraction, with the reason. Other record kinds show their fields.
import { get } from './api.js';
import { h, notice, paths } from './dom.js';
import * as f from './format.js';

const hashPattern = /^[0-9a-f]{64}$/;

function row(label, ...content) {
  return [h('dt', {}, label), h('dd', {}, ...content)];
}

function hashLink(hash) {
  return h('a', { href: paths.assertion(hash), class: 'hash' }, hash);
}

function fields(record) {
  const rows = [row('type', record.type)];
  if (record.subject !== undefined) rows.push(row('subject', h('a', { href: paths.subject(record.subject) }, record.subject)));
  if (record.predicate !== undefined) rows.push(row('predicate', record.predicate));
  if ('object' in record && record.type === 'assertion') rows.push(row('object', h('code', { class: 'value' }, JSON.stringify(record.object, null, 1))));
  if (record.assertion !== undefined) rows.push(row('assertion', hashLink(record.assertion)));
  for (const name of ['source', 'voter', 'stance', 'weight', 'confidence', 'reason', 'id', 'name', 'description', 'parent']) {
    if (record[name] !== undefined) rows.push(row(name, String(record[name])));
  }
  rows.push(row('epoch', record.type === 'epoch' ? '' : record.epoch === undefined ? 'none' : String(record.epoch)));
  rows.push(row('createdAt', f.time(record.createdAt), h('span', { class: 'muted' }, ` (${record.createdAt})`)));
  if (record.lsn !== undefined) rows.push(row('LSN', String(record.lsn)));
  rows.push(row('hash', h('code', { class: 'hash' }, record.hash)));
  return h('dl', { class: 'fields' }, rows);
}

/** Each voter's latest vote: the last of theirs in the list (it is in log order, which decides it). */
function latestPerVoter(votes) {
  const latest = new Map();
  for (const vote of votes) latest.set(vote.voter, vote.hash);
  return new Set(latest.values());
}

function votesTable(votes, tally) {
  const latest = latestPerVoter(votes);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'votes-title' },
    h('h2', { id: 'votes-title' }, 'Votes'),
    h('p', {}, `Tally: support ${f.number(tally.support)} · oppose ${f.number(tally.oppose)} · score ${f.number(tally.score)} · ${tally.voters} voter${tally.voters === 1 ? '' : 's'} (at LSN ${tally.atLsn}). Only each voter's latest vote counts.`),
    votes.length === 0
      ? h('p', { class: 'muted' }, 'No votes.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'votes' },
            h('caption', { class: 'sr-only' }, 'Votes, oldest first'),
            h('thead', {}, h('tr', {}, ['voter', 'stance', 'weight', 'epoch', 'createdAt', 'counts'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              {},
              votes.map((v) =>
                h(
                  'tr',
                  { class: latest.has(v.hash) ? 'latest' : 'earlier' },
                  h('td', {}, v.voter),
                  h('td', {}, h('span', { class: `tag ${v.stance}` }, v.stance)),
                  h('td', {}, f.number(v.weight)),
                  h('td', {}, v.epoch === undefined ? '' : String(v.epoch)),
                  h('td', {}, f.time(v.createdAt)),
                  h('td', {}, latest.has(v.hash) ? 'latest: counts' : 'replaced'),
                ),
              ),
            ),
          ),
        ),
  );
}

export async function assertionPage(ctx, hash) {
  ctx.setTitle(`Record ${f.shortHash(hash)}`);
  if (!hashPattern.test(hash)) return h('section', {}, h('h1', {}, 'Not a hash'), notice('error', 'A record’s hash is 64 lowercase hex characters.'));
  const { record, tally } = await get(`/v1/assertions/${hash}`);
  const parts = [h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Search'), record.subject === undefined ? null : [' › ', h('a', { href: paths.subject(record.subject) }, record.subject)], ' › record')];
  parts.push(h('h1', {}, record.type === 'assertion' ? `${record.predicate} = ${f.value(record.object)}` : `A ${record.type}`));
  if (record.type === 'assertion') parts.push(h('p', {}, 'Status: ', h('span', { class: `status ${record.status}` }, record.status)));
  parts.push(h('section', { class: 'card', 'aria-label': 'Record' }, fields(record)));
  if (record.type !== 'assertion') return h('article', { class: 'record' }, parts);

  const links = [];
  if (record.supersedes !== undefined) links.push(h('li', {}, 'Supersedes ', hashLink(record.supersedes)));
  if (record.supersededBy !== undefined) links.push(h('li', {}, 'Superseded by ', hashLink(record.supersededBy)));
  if (record.retractedBy !== undefined) {
    const retraction = (await get(`/v1/assertions/${record.retractedBy}`)).record;
    links.push(h('li', { class: 'retraction' }, `Retracted by ${retraction.source} on ${f.time(retraction.createdAt)}`, retraction.reason === undefined ? '' : `: “${retraction.reason}”`, ' (', hashLink(record.retractedBy), ')'));
  }
  if (links.length > 0) parts.push(h('section', { class: 'card', 'aria-labelledby': 'fate-title' }, h('h2', { id: 'fate-title' }, 'Replaced or taken back'), h('ul', {}, links)));
  const { votes } = await get(`/v1/assertions/${hash}/votes`);
  parts.push(votesTable(votes, tally));
  parts.push(h('p', {}, h('a', { href: paths.history(record.subject, { predicate: record.predicate }) }, `History of ${record.predicate}`)));
  return h('article', { class: 'record' }, parts);
}
