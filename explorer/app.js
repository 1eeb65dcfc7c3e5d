// The explorer's entry: a router from the URL to a page. All state is in the URL (path and
// query), so every page can be shared and the back button works: links and forms push a new
// URL and render it; popstate renders the URL the browser went back to. Each page is an async
// function of the URL that returns its content; a page that registers live streams gets them
// closed when another page replaces it.
import { askToken, clearToken, storedToken } from './api.js';
import { h, notice, replace } from './dom.js';
import { assertionPage } from './assertion.js';
import { epochsPage } from './epochs.js';
import { historyPage } from './history.js';
import { homePage } from './home.js';
import { subjectPage } from './subject.js';

const routes = [
  [/^\/$/, (ctx) => homePage(ctx)],
  [/^\/epochs$/, (ctx) => epochsPage(ctx)],
  [/^\/subjects\/([^/]+)\/history$/, (ctx, m) => historyPage(ctx, decodeURIComponent(m[1]))],
  [/^\/subjects\/([^/]+)$/, (ctx, m) => subjectPage(ctx, decodeURIComponent(m[1]))],
  [/^\/assertions\/([^/]+)$/, (ctx, m) => assertionPage(ctx, decodeURIComponent(m[1]))],
];

let leaving = [];
let renderCount = 0;

function errorContent(error) {
  const code = error && error.code ? `${error.code}: ` : '';
  return h('section', {}, h('h1', {}, 'Something went wrong'), notice('error', code, error instanceof Error ? error.message : String(error)), h('p', {}, h('a', { href: '/' }, 'Back to search')));
}

/** Renders the current URL into <main>. `keepScroll`: a re-render of the same page (after a write). */
async function render({ keepScroll = false, focus = false } = {}) {
  for (const stop of leaving) stop();
  leaving = [];
  const id = ++renderCount;
  const main = document.getElementById('main');
  const url = new URL(location.href);
  const ctx = {
    url,
    navigate,
    rerender: () => render({ keepScroll: true }),
    onLeave: (stop) => (id === renderCount ? leaving.push(stop) : stop()),
    isCurrent: () => id === renderCount,
    setTitle: (text) => (document.title = `${text} · StemeDB explorer`),
  };
  main.setAttribute('aria-busy', 'true');
  let content;
  try {
    const route = routes.find(([pattern]) => pattern.test(url.pathname));
    if (route === undefined) {
      ctx.setTitle('Not found');
      content = h('section', {}, h('h1', {}, 'No such page'), h('p', {}, h('a', { href: '/' }, 'Back to search')));
    } else {
      content = await route[1](ctx, route[0].exec(url.pathname));
    }
  } catch (error) {
    content = errorContent(error);
  }
  if (id !== renderCount) return;
  const scroll = window.scrollY;
  replace(main, content);
  main.setAttribute('aria-busy', 'false');
  if (keepScroll) window.scrollTo(0, scroll);
  if (focus) main.focus({ preventScroll: true });
}

function navigate(href) {
  history.pushState(null, '', href);
  window.scrollTo(0, 0);
  return render({ focus: true });
}

/** Same-origin links to explorer pages are followed without a reload; /v1 links and modified clicks are left alone. */
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (link === null || link.hasAttribute('data-external') || link.target) return;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = link.getAttribute('href');
  if (!href.startsWith('/') || href.startsWith('//') || href.startsWith('/v1/')) return;
  event.preventDefault();
  void navigate(href);
});

window.addEventListener('popstate', () => void render({ focus: true }));

document.getElementById('token-button').addEventListener('click', async () => {
  const had = storedToken() !== undefined;
  clearToken();
  await askToken(had ? 'Replace the token kept for this tab (Cancel forgets it).' : 'The token for writes, kept for this tab only.');
});

void render();
