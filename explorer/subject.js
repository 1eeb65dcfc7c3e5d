// A subject's page: per predicate, the best value, the consensus and a contested badge; each
// candidate value with its support and opposition drawn as bars, and the assertions behind it
// (source, epoch, createdAt, status); the assertions that do not count (retracted, superseded,
// out of the epoch's scope). The epoch and "as of" controls are the URL's ?epoch= and ?asOf=.
// The assertions are read at the beliefs' atLsn, so both halves of the page show one state.
import { ApiError, get, post } from './api.js';
import { field, h, notice, paths, query } from './dom.js';
import * as f from './format.js';

const assertionsPageSize = 1000;
const assertionsPagesMax = 5;
/** Predicates a page of beliefs holds, pages read at most, and candidates listed per predicate (the API's most: 100 x 100 per page). */
const beliefsPageSize = 100;
const beliefsPagesMax = 5;
const candidatesListed = 100;
const nameKey = 'stemedb.name';

/** A message to show once the page is drawn again after a write (the write re-renders it). */
let flash;

async function assertionsAt(subject, atLsn) {
  const items = [];
  let cursor;
  for (let page = 0; page < assertionsPagesMax; page++) {
    const answer = await get(`/v1/subjects/${encodeURIComponent(subject)}/assertions${query({ includeRetracted: true, asOf: atLsn, limit: assertionsPageSize, cursor })}`);
    items.push(...answer.items);
    cursor = answer.cursor;
    if (cursor === undefined) break;
  }
  return { items, complete: cursor === undefined };
}

/**
 * The subject's beliefs, up to beliefsPagesMax pages (the API pages them by predicate). A later
 * page may be answered at a later LSN than the first, whose atLsn the page shows: the live
 * note then offers a refresh, as for any change since the page was drawn.
 */
async function beliefsAt(subject, epoch, asOf) {
  const path = `/v1/subjects/${encodeURIComponent(subject)}/beliefs`;
  const first = await get(`${path}${query({ epoch, asOf, limit: beliefsPageSize, candidates: candidatesListed })}`);
  const predicates = [...first.predicates];
  let cursor = first.cursor;
  for (let page = 1; page < beliefsPagesMax && cursor !== undefined; page++) {
    const answer = await get(`${path}${query({ epoch, asOf, limit: beliefsPageSize, candidates: candidatesListed, cursor })}`);
    predicates.push(...answer.predicates);
    cursor = answer.cursor;
  }
  return { ...first, predicates, complete: cursor === undefined };
}

/** JSON with object keys sorted: equal values, equal text (the API groups candidates by canonical JSON). */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

function bars(candidate, scale) {
  const bar = (kind, amount) => {
    const el = h('span', { class: `bar ${kind}`, dataset: { amount: String(amount) } });
    el.style.width = `${scale > 0 ? (amount / scale) * 100 : 0}%`;
    return h('span', { class: 'track' }, el);
  };
  return h(
    'div',
    { class: 'bars', role: 'img', 'aria-label': `support ${candidate.support}, opposition ${candidate.oppose}` },
    h('span', { class: 'bar-label' }, 'support'),
    bar('support', candidate.support),
    h('span', { class: 'bar-number' }, f.number(candidate.support)),
    h('span', { class: 'bar-label' }, 'oppose'),
    bar('oppose', candidate.oppose),
    h('span', { class: 'bar-number' }, f.number(candidate.oppose)),
  );
}

/** The contested predicates first (what a reader comes to see), each group by predicate (the API pages them in digest order). */
function contestedFirst(predicates) {
  const sorted = [...predicates].sort((a, b) => (a.predicate < b.predicate ? -1 : a.predicate > b.predicate ? 1 : 0));
  return [...sorted.filter((p) => p.contested), ...sorted.filter((p) => !p.contested)];
}

function statusBadge(status) {
  return h('span', { class: `status ${status}` }, status);
}

/** The epoch selector and the "as of" LSN: submitting puts them in the URL (?epoch=&asOf=). */
function scopeControls(ctx, subject, epochList, nowLsn) {
  const epoch = ctx.url.searchParams.get('epoch') ?? '';
  const asOf = ctx.url.searchParams.get('asOf') ?? '';
  const epochSelect = h('select', { name: 'epoch' }, h('option', { value: '' }, 'every epoch (no scope)'), epochList.epochs.map((e) => h('option', { value: String(e.id), selected: String(e.id) === epoch }, `${e.id} · ${e.name}`)));
  const asOfInput = h('input', { name: 'asOf', type: 'number', min: '0', step: '1', inputmode: 'numeric', value: asOf, placeholder: nowLsn === undefined ? 'now' : `now (${nowLsn})` });
  const scopeForm = h(
    'form',
    { class: 'scope card', 'aria-label': 'Scope' },
    field('Epoch', epochSelect, 'this epoch, its ancestors, and records with none'),
    field('As of LSN', asOfInput, 'only records logged below it; empty: now'),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Apply'), asOf === '' ? null : h('a', { href: paths.subject(subject, { epoch }) }, 'Latest')),
  );
  scopeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void ctx.navigate(paths.subject(subject, { epoch: epochSelect.value, asOf: asOfInput.value.trim() }));
  });
  epochSelect.addEventListener('change', () => scopeForm.requestSubmit());
  return scopeForm;
}

export async function subjectPage(ctx, subject) {
  const epoch = ctx.url.searchParams.get('epoch') ?? '';
  const asOf = ctx.url.searchParams.get('asOf') ?? '';
  ctx.setTitle(subject);
  const epochList = await get('/v1/epochs');
  let beliefs;
  try {
    beliefs = await beliefsAt(subject, epoch, asOf);
  } catch (error) {
    // A scope the store refuses (an asOf beyond the log, an unknown epoch): say so, keep the controls.
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    return h('article', { class: 'subject' }, h('h1', {}, h('span', { class: 'subject-id' }, subject)), scopeControls(ctx, subject, epochList, undefined), notice('error', `${error.code}: ${error.message}`));
  }
  const { items: assertions, complete } = await assertionsAt(subject, beliefs.atLsn);
  const byHash = new Map(assertions.map((a) => [a.hash, a]));

  const message = h('div', { class: 'flash' });
  if (flash !== undefined && flash.path === ctx.url.pathname) message.append(notice(flash.kind, flash.text));
  flash = undefined;

  const nameInput = h('input', { name: 'name', autocomplete: 'nickname', value: sessionStorage.getItem(nameKey) ?? '' });
  nameInput.addEventListener('change', () => sessionStorage.setItem(nameKey, nameInput.value.trim()));
  nameInput.addEventListener('input', () => {
    for (const button of document.querySelectorAll('main button[data-retract]')) button.hidden = button.dataset.source !== nameInput.value.trim();
  });
  const writer = () => {
    const name = nameInput.value.trim();
    if (name === '') {
      message.replaceChildren(notice('error', 'Enter your name (under “Write”) first: votes and assertions are signed with it.'));
      nameInput.closest('details').open = true;
      nameInput.focus();
      return undefined;
    }
    sessionStorage.setItem(nameKey, name);
    return name;
  };
  const write = async (path, body, done) => {
    try {
      const result = await post(path, body);
      flash = { path: ctx.url.pathname, kind: 'ok', text: `${done}, logged at LSN ${result.lsn}.${asOf === '' ? '' : ' This page shows an earlier state (as of): choose “Latest” to see it.'}` };
      await ctx.rerender();
    } catch (error) {
      message.replaceChildren(notice('error', `${error.code ?? ''} ${error.message}`));
    }
  };
  const scopeEpoch = epoch === '' ? undefined : Number(epoch);

  const assertionLine = (a) => {
    const actions = [];
    if (a.status === 'live') {
      for (const stance of ['support', 'oppose']) {
        actions.push(
          h('button', {
            type: 'button',
            class: `small ${stance}`,
            'aria-label': `${stance === 'support' ? 'Support' : 'Oppose'} ${f.value(a.object)} by ${a.source}`,
            dataset: { vote: stance, assertion: a.hash },
            onclick: () => {
              const voter = writer();
              if (voter !== undefined) void write('/v1/votes', { assertion: a.hash, voter, stance, ...(scopeEpoch !== undefined && { epoch: scopeEpoch }) }, `Your ${stance} vote`);
            },
          }, stance === 'support' ? 'Support' : 'Oppose'),
        );
      }
      // Only the author may retract (the API's rule): the button shows while the name is the source.
      actions.push(
        h('button', {
          type: 'button',
          class: 'small quiet',
          hidden: nameInput.value.trim() !== a.source,
          'aria-label': `Retract ${f.value(a.object)} by ${a.source}`,
          dataset: { retract: a.hash, source: a.source },
          onclick: () => void write('/v1/retractions', { assertion: a.hash, source: a.source }, 'Your retraction'),
        }, 'Retract'),
      );
    }
    return h(
      'li',
      { class: 'assertion', dataset: { hash: a.hash } },
      h('span', { class: 'source' }, a.source),
      h('span', { class: 'muted' }, a.epoch === undefined ? ' · no epoch' : ` · epoch ${a.epoch}`, ` · ${f.time(a.createdAt)} · `),
      statusBadge(a.status),
      ' ',
      h('a', { href: paths.assertion(a.hash), 'aria-label': `assertion ${a.hash}` }, f.shortHash(a.hash)),
      actions.length === 0 ? null : h('span', { class: 'actions' }, actions),
    );
  };

  const predicateSection = (p) => {
    const counted = new Set(p.candidates.flatMap((c) => c.assertions));
    // A live assertion beyond a candidate's listed ones (or of a value beyond those listed) may
    // count: it is "not listed", not "not counted", unless every list is complete.
    const truncated = new Set(p.candidates.filter((c) => c.assertionCount > c.assertions.length).map((c) => canonical(c.object)));
    const allListed = p.candidateCount === p.candidates.length && truncated.size === 0;
    const mayCount = (a) => a.status === 'live' && (!allListed && (p.candidateCount > p.candidates.length || truncated.has(canonical(a.object))));
    const unlisted = assertions.filter((a) => a.predicate === p.predicate && !counted.has(a.hash));
    const others = unlisted.filter((a) => !mayCount(a));
    const notShown = unlisted.length - others.length;
    const scale = Math.max(0, ...p.candidates.map((c) => Math.max(c.support, c.oppose)));
    return h(
      'section',
      { class: 'predicate card', dataset: { predicate: p.predicate }, 'aria-labelledby': `p-${encodeURIComponent(p.predicate)}` },
      h('h2', { id: `p-${encodeURIComponent(p.predicate)}` }, p.predicate, ' ', p.contested ? h('span', { class: 'badge contested' }, 'contested') : null),
      p.best === null
        ? h('p', { class: 'best' }, 'No best value here: nothing in scope is supported.')
        : h('p', { class: 'best' }, 'Best: ', h('strong', { class: 'value' }, f.value(p.best.object)), ` · consensus ${f.percent(p.consensus)}`),
      h(
        'ol',
        { class: 'candidates' },
        p.candidates.map((c) =>
          h(
            'li',
            { class: 'candidate', dataset: { object: JSON.stringify(c.object) } },
            h('div', { class: 'candidate-head' }, h('span', { class: 'value' }, f.value(c.object)), h('span', { class: 'muted' }, ` score ${f.number(c.score)} · ${c.supporters} supporter${c.supporters === 1 ? '' : 's'}`)),
            bars(c, scale),
            h('ul', { class: 'assertions' }, c.assertions.map((hash) => (byHash.has(hash) ? assertionLine(byHash.get(hash)) : h('li', {}, h('a', { href: paths.assertion(hash) }, f.shortHash(hash)))))),
            c.assertionCount > c.assertions.length ? h('p', { class: 'muted more' }, `and ${c.assertionCount - c.assertions.length} more assertion${c.assertionCount - c.assertions.length === 1 ? '' : 's'} of this value`) : null,
          ),
        ),
      ),
      p.candidateCount > p.candidates.length ? h('p', { class: 'muted more' }, `and ${p.candidateCount - p.candidates.length} more values, ranked lower`) : null,
      notShown === 0 ? null : h('p', { class: 'muted more' }, `${notShown} live assertion${notShown === 1 ? ' is' : 's are'} not listed here (beyond the values and assertions shown, or outside the epoch).`),
      others.length === 0
        ? null
        : h('details', { class: 'others' }, h('summary', {}, `Not counted here (${others.length}): retracted, superseded or outside the epoch`), h('ul', { class: 'assertions' }, others.map((a) => h('li', {}, h('span', { class: 'value' }, f.value(a.object)), ' · ', assertionLine(a))))),
    );
  };

  const scopeForm = scopeControls(ctx, subject, epochList, beliefs.atLsn);

  const predicateInput = h('input', { name: 'predicate', list: 'predicates', required: true, autocomplete: 'off' });
  const valueInput = h('input', { name: 'value', required: true, autocomplete: 'off' });
  const assertForm = h(
    'form',
    { class: 'assert' },
    h('h3', {}, 'Add a value'),
    field('Predicate', predicateInput),
    h('datalist', { id: 'predicates' }, beliefs.predicates.map((p) => h('option', { value: p.predicate }))),
    field('Value', valueInput, 'JSON (42, true, {"a":1}) or plain text'),
    h('button', { type: 'submit' }, 'Assert'),
  );
  assertForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const source = writer();
    if (source === undefined) return;
    void write('/v1/assertions', { subject, predicate: predicateInput.value.trim(), object: f.typedValue(valueInput.value), source, ...(scopeEpoch !== undefined && { epoch: scopeEpoch }) }, 'Your assertion');
  });
  const writePanel = h(
    'details',
    { class: 'write card' },
    h('summary', {}, 'Write: vote, retract, assert'),
    field('Your name', nameInput, 'the voter of your votes and the source of your assertions; you may retract only what your name asserted'),
    assertForm,
  );

  const changed = h('div', { class: 'live-note', 'aria-live': 'polite' });
  if (asOf === '') {
    const source = new EventSource(`/v1/changes${query({ since: 'now', subject })}`);
    ctx.onLeave(() => source.close());
    // Marks the moment the feed is following (its first event), from which no change is missed.
    source.addEventListener('cursor', () => changed.setAttribute('data-feed', 'live'), { once: true });
    let count = 0;
    const onChange = () => {
      count += 1;
      changed.replaceChildren(notice('info', `${count} new change${count === 1 ? '' : 's'} since this page was drawn. `, h('button', { type: 'button', class: 'small', onclick: () => void ctx.rerender() }, 'Refresh')));
    };
    for (const type of ['assertion', 'vote', 'retraction']) source.addEventListener(type, onChange);
  }

  const name = beliefs.predicates.find((p) => p.predicate === 'name')?.best?.object;
  return h(
    'article',
    { class: 'subject' },
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Search'), ' › subject'),
    h('h1', {}, h('span', { class: 'subject-id' }, subject)),
    name === undefined ? null : h('p', { class: 'lead' }, f.value(name)),
    h('p', { class: 'links' }, h('a', { href: paths.history(subject) }, 'History'), ' · ', h('a', { href: `/v1/subjects/${encodeURIComponent(subject)}/beliefs${query({ epoch, asOf })}`, 'data-external': true }, 'JSON')),
    scopeForm,
    h('p', { class: 'at', id: 'answered-at' }, asOf === '' ? `Now: answered at LSN ${beliefs.atLsn}` : `As of LSN ${beliefs.atLsn}: as the store stood when its log ended there`, epoch === '' ? '' : `; in epoch ${epoch}`, '.'),
    message,
    changed,
    writePanel,
    beliefs.predicates.length === 0 ? notice('info', 'Nothing is known about this subject here.') : contestedFirst(beliefs.predicates).map(predicateSection),
    beliefs.complete ? null : notice('info', `Only the first ${beliefs.predicates.length} predicates are shown.`),
    complete ? null : notice('info', `Only the first ${assertions.length} assertions are listed with their details.`),
  );
}
