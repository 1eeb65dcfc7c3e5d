// Builds the page's DOM. This is the one place stored text meets the page: every string child
// becomes a text node (never parsed as HTML), and an href is only ever one of the explorer's own
// paths, built by the helpers below with encodeURIComponent. Nothing here uses innerHTML.

/** An element with attributes and children; a string child is text, null/false children are skipped. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'href') el.setAttribute('href', ownPath(value));
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'src' || name === 'style' || name === 'action' || name === 'formaction') throw new Error(`h(): ${name} is not allowed`);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Refuses anything but a path on this origin: no scheme (javascript:, data:), no //host. */
function ownPath(path) {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) {
    throw new Error(`refusing a link that is not one of the explorer's own paths: ${String(path)}`);
  }
  return path;
}

/** A query string from the defined, non-empty values of `params` ('' when there are none). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export const paths = {
  home: (params = {}) => `/${query(params)}`,
  subject: (subject, params = {}) => `/subjects/${encodeURIComponent(subject)}${query(params)}`,
  history: (subject, params = {}) => `/subjects/${encodeURIComponent(subject)}/history${query(params)}`,
  assertion: (hash) => `/assertions/${encodeURIComponent(hash)}`,
  epochs: () => '/epochs',
};

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form control: <label for> and the control, in one wrapper. */
export function field(labelText, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 10)}`;
  control.id = id;
  const hintEl = hint === undefined ? null : h('small', { id: `${id}-hint`, class: 'muted' }, hint);
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hintEl);
}

/** A message box; errors are announced (role=alert). */
export function notice(kind, ...children) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}
