// Headless Chromium for the explorer's tests: Debian's `chromium` found on PATH and driven by
// puppeteer-core (which downloads no browser). Without one the tests skip, saying how to get it.
// Every page a test opens records its console errors and uncaught exceptions, so a test can
// assert that a page ran clean.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const chromiumMissing = 'no Chromium on PATH: install Debian\'s (apt-get install -y chromium) to run the explorer\'s browser tests';

/** The first `chromium` (or `chromium-browser`) executable on PATH, or undefined. */
export function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // --no-sandbox: tests run as root in CI, where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 30_000 });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and page errors seen so far, as text. */
  errors: string[];
}

/** A new tab at the given width that records every console error and uncaught exception. */
export async function openPage(browser: Browser, width = 1100, height = 900): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url ?? ''})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  return { page, errors };
}

/** Resolves once <main> holds a rendered page (not the loading one) matching `selector`. */
export async function rendered(page: Page, selector: string): Promise<void> {
  await page.waitForSelector(`main[aria-busy="false"] ${selector}`);
}

/**
 * The page's globals as the in-page callbacks (page.evaluate, waitForFunction) use them. The
 * tests compile without the DOM's types (they would change Node's), so a callback reads them as
 * `(globalThis as unknown as PageWindow)`: the cast is erased and the browser sees `globalThis`.
 */
export interface PageWindow {
  location: { href: string };
  innerWidth: number;
  document: {
    documentElement: { scrollWidth: number };
    getElementById(id: string): { textContent: string | null } | null;
    querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  };
  pageMarker?: number;
  __xss?: string;
}
