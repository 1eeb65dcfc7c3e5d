// How stored values are shown: as text, always (the caller hands the result to dom.h, which
// makes it a text node). Strings as they are, other JSON values as compact JSON.

export function value(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function time(ms) {
  if (typeof ms !== 'number') return '';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, ' UTC');
}

export function shortHash(hash) {
  return typeof hash === 'string' ? `${hash.slice(0, 10)}…` : '';
}

export function percent(x) {
  return `${Math.round(x * 100)}%`;
}

export function number(n) {
  return typeof n === 'number' ? n.toLocaleString('en') : String(n);
}

/** The value typed in a form: JSON when it parses (42, true, {"a":1}, "quoted"), else the text itself. */
export function typedValue(text) {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    return trimmed;
  }
}
