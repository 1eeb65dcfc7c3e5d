// The epoch tree: each epoch under its parent (roots: no parent, or a parent the store does not
// hold). Scoping a read to an epoch counts it and its ancestors, so the tree is the scope map.
import { get } from './api.js';
import { h } from './dom.js';
import * as f from './format.js';

function tree(epochs) {
  const ids = new Set(epochs.map((e) => e.id));
  const children = new Map();
  for (const e of epochs) {
    const parent = e.parent !== undefined && ids.has(e.parent) && e.parent !== e.id ? e.parent : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(e);
  }
  const seen = new Set();
  const branch = (parent) =>
    h(
      'ul',
      { class: 'tree' },
      (children.get(parent) ?? []).filter((e) => !seen.has(e.id) && seen.add(e.id)).map((e) =>
        h(
          'li',
          { dataset: { epoch: String(e.id) } },
          h('strong', {}, `${e.id} · ${e.name}`),
          h('span', { class: 'muted' }, ` · ${f.time(e.createdAt)}`),
          e.description === undefined ? null : h('p', { class: 'description' }, e.description),
          children.has(e.id) ? branch(e.id) : null,
        ),
      ),
    );
  const roots = branch(null);
  // Epochs whose parents form a cycle are nobody's descendants: list them at the top level too.
  for (const e of epochs) if (!seen.has(e.id)) roots.append(...branch(e.parent).children);
  return roots;
}

export async function epochsPage(ctx) {
  ctx.setTitle('Epochs');
  const { epochs } = await get('/v1/epochs');
  return h(
    'article',
    { class: 'epochs' },
    h('h1', {}, 'Epochs'),
    h('p', { class: 'muted' }, 'The paradigms claims hold in. A read scoped to an epoch counts records of that epoch and of its ancestors, and records with no epoch.'),
    epochs.length === 0 ? h('p', {}, 'No epochs are defined.') : h('section', { class: 'card' }, tree(epochs)),
  );
}
