// What `serve` prints once it listens: a URL a person can open, and curl examples that work
// exactly as printed (shell-quoted, with the token header when a token is set).

/** A URL for the listening address; a wildcard address (0.0.0.0, ::) is reached through loopback. */
export function browsableUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Quotes `text` for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Four commands that work as printed: a write (with the token when one is set), a subject
 * query, a find by value (the sample's Paris by name; the object is JSON text, so quoted) and stats.
 */
export function curlExamples(url: string, token: string | undefined): string {
  const auth = token === undefined ? '' : ` -H ${shellQuote(`authorization: Bearer ${token}`)}`;
  const body = JSON.stringify({ subject: 'city:paris', predicate: 'population', object: 2148000, source: 'curl' });
  return [
    'try:',
    `  curl -X POST${auth} -H 'content-type: application/json' -d ${shellQuote(body)} ${url}/v1/assertions`,
    `  curl ${url}/v1/subjects/${encodeURIComponent('city:paris')}/assertions`,
    `  curl ${shellQuote(`${url}/v1/assertions?predicate=name&object=${encodeURIComponent(JSON.stringify('Paris'))}`)}`,
    `  curl ${url}/v1/stats`,
    '',
  ].join('\n');
}
