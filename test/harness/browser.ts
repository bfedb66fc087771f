/**
 * A real browser for the dashboard's tests: Debian's Chromium (/usr/bin/chromium) driven by
 * playwright-core, which downloads nothing. Without it the browser tests are skipped and say why.
 */
import fs from 'node:fs';

import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why no browser test can run here; undefined when Chromium is installed. */
export const chromiumMissing = fs.existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing (\`node scripts/ensure.js test\` installs it when run as root with apt-get)`;

// Decided at run time: without the browser there is nothing to drive, and the test says why.
if (chromiumMissing) console.warn(`dashboard browser test skipped: ${chromiumMissing}`);

/** `describe`, or `describe.skip` where Chromium is missing (its title then says so). */
export function describeInBrowser(title: string, body: () => void): void {
  (chromiumMissing ? describe.skip : describe)(
    `${title}${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
    body,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** The page's text of a selector, or '' when it is not there (yet). */
export function textOf(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .textContent({ timeout: 1000 })
    .then((t) => t ?? '')
    .catch(() => '');
}

/** An attribute of a selector's first element, or '' when it is not there (yet). */
export function attrOf(page: Page, selector: string, name: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .getAttribute(name, { timeout: 1000 })
    .then((v) => v ?? '')
    .catch(() => '');
}
