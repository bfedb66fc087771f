/**
 * `orderflow dashboard` in real Chromium (Debian's, driven by playwright-core; nothing is
 * downloaded): orders arriving and completing with the rates moving, an order's stage timeline,
 * a poison order among the dead letters redriven with a corrected payload from the page, and the
 * token rules of a non-loopback bind. Takes the README's screenshots (test/screenshots/).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import type { Browser, Page } from 'playwright-core';

import type { RunningDashboard } from '../../operate/dashboard';
import { dashboardAccess, startDashboard } from '../../operate/dashboard';
import { createLogger } from '../../shared/log';
import { attrOf, describeInBrowser, launchChromium, textOf } from '../harness/browser';
import { CLI, cleanEnv, expectNoStackTrace, runCli } from '../harness/cli';
import { ROOT } from '../harness/paths';
import type { Pipeline } from '../harness/pipeline';
import { orders, publish, startBridge, startPipeline, startWorker, waitFor } from '../harness/pipeline';

/**
 * The README's screenshots are taken on every run; they replace the committed ones only with
 * UPDATE_SCREENSHOTS=1, so a test run leaves the checkout clean.
 */
const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(ROOT, 'test', 'screenshots')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-screenshots-'));

describeInBrowser('dashboard - the live page in Chromium', () => {
  let p: Pipeline;
  let browser: Browser;
  let page: Page;
  let dashboard: RunningDashboard;
  const logLines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    format: 'json',
    write: (line) => void logLines.push(JSON.parse(line) as Record<string, unknown>),
  });

  const text = (selector: string): Promise<string> => textOf(page, selector);
  const attr = (selector: string, name: string): Promise<string> => attrOf(page, selector, name);
  const count = (selector: string): Promise<number> => page.locator(selector).count();

  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
    await startWorker(p);
    await startBridge(p);
    dashboard = await startDashboard({
      nc: p.nc,
      client: p.client,
      access: dashboardAccess('127.0.0.1', undefined),
      port: 0,
      pollEveryMs: 1000,
      logger,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(dashboard.url);
    await waitFor('the page live', async () => (await text('#connection')) === 'live');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await p?.stop();
    if (process.env.UPDATE_SCREENSHOTS !== '1') fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
  }, 60_000);

  it('shows orders arriving and completing, the rates moving, and an order’s stage timeline', async () => {
    const batch = orders(40, 'dash-');
    const ids = batch.map((o) => o.orderId);
    const rates: number[] = [];
    const publishing = (async () => {
      // In four bursts, so that the chart has a shape.
      for (let i = 0; i < batch.length; i += 10) {
        await publish(p, batch.slice(i, i + 10));
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    await waitFor('orders arriving on the page, at a rate above 0', async () => {
      const rate = Number(await attr('#subjects tr[data-subject="ORDERS.received"] td.rate', 'data-rate'));
      rates.push(rate);
      return rate > 0 && (await count('#orders tr[data-order-id^="dash-"]')) > 0;
    });
    await publishing;
    await waitFor('ORDERS.completed moving', async () => {
      return Number(await attr('#subjects tr[data-subject="ORDERS.completed"] td.rate', 'data-rate')) > 0;
    });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    await waitFor(
      'every order completed on the page',
      async () =>
        Number(await attr('#subjects tr[data-subject="ORDERS.completed"] td.total', 'data-total')) === ids.length &&
        (await count('#orders tr[data-state="completed"]')) === Math.min(ids.length, 25),
      90_000,
    );
    expect(Number(await attr('#subjects tr[data-subject="ORDERS.received"] td.total', 'data-total'))).toBe(ids.length);
    // The rate went up while orders came, and the chart drew it.
    expect(Math.max(...rates)).toBeGreaterThan(0);
    const points = (await attr('#rates polyline[data-subject="ORDERS.received"]', 'points')).split(' ');
    expect(new Set(points.map((pt) => pt.split(',')[1])).size).toBeGreaterThan(1);
    // The ack-delay histogram counts JetStream's samples (NEW and DISPATCH sample every ack).
    await waitFor('ack samples in the histogram', async () => {
      let samples = 0;
      for (const bar of await page.locator('#ack-delay rect.bar').all())
        samples += Number(await bar.getAttribute('data-count'));
      return samples > 0;
    });
    await waitFor('nothing in flight once all completed', async () => {
      for (const stage of ['process', 'dispatch'])
        if ((await attr(`#stages tr[data-stage="${stage}"]`, 'data-in-flight')) !== '0') return false;
      return true;
    });
    expect(await text('#stages tr[data-stage="process"] td:nth-child(2)')).toBe('NEW');

    const id = await attr('#orders tr[data-state="completed"]', 'data-order-id');
    await page.locator(`#orders tr[data-order-id="${id}"] button.open-order`).click();
    await waitFor(
      'both stages completed in the timeline',
      async () =>
        (await attr('#timeline .stage[data-stage="process"]', 'data-status')) === 'COMPLETED' &&
        (await attr('#timeline .stage[data-stage="dispatch"]', 'data-status')) === 'COMPLETED',
    );
    expect(await text('#timeline-order')).toBe(id);
    expect(await text('#timeline .stage[data-stage="process"]')).toContain('reserveStock attempt 1');
    expect(await text('#timeline .stage[data-stage="dispatch"]')).toContain('ship attempt 1');
    const runId = await attr('#timeline .stage[data-stage="dispatch"] li.run', 'data-run-id');
    expect(await attr('#timeline .stage[data-stage="dispatch"] a.temporal-link', 'href')).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/dispatch-${id}/${runId}`,
    );
    await page.locator('#timeline-section').screenshot({ path: path.join(SCREENSHOTS, 'order-timeline.png') });
  }, 180_000);

  it('a poison order appears among the dead letters, and a redrive with a corrected payload from the page completes it', async () => {
    const [good] = orders(1, 'dash-fixed-');
    // Not JSON at all: nothing in it can be read, not even its order ID.
    await p.js.publish('ORDERS.received', `{"orderId":"${good!.orderId}", "items": [`);
    const row = '#dead-letters tr[data-kind="poison"]';
    await waitFor('the poison order among the dead letters', async () => (await count(row)) === 1);
    expect(await text(`${row} td.reason`)).toContain('not-json');

    // A correction that is still invalid is refused in the dialog, and the dead letter stays.
    await page.locator(`${row} button.redrive`).click();
    await page.locator('#redrive-payload').fill(JSON.stringify({ ...good!, currency: 'euro' }));
    await page.locator('#redrive-confirm').click();
    await waitFor('the refusal', async () => (await text('#redrive-error')).includes('would be dead-lettered again'));
    expect(await page.locator('#redrive-dialog').isVisible()).toBe(true);
    await page.locator('#redrive-cancel').click();
    expect(await count(row)).toBe(1);

    await page.locator(`${row} button.redrive`).click();
    await page.locator('#redrive-payload').fill(JSON.stringify(good));
    await page.locator('#redrive-confirm').click();
    await waitFor('the redrive confirmed', async () =>
      (await text('#action-result')).includes('redriven as ORDERS seq'),
    );
    await waitFor('the dead letter gone', async () => (await count('#dead-letters tbody tr')) === 0);
    await waitFor(
      'the corrected order completed on the page',
      async () => (await attr(`#orders tr[data-order-id="${good!.orderId}"]`, 'data-state')) === 'completed',
    );
    await p.client.workflow.getHandle(`dispatch-${good!.orderId}`).result();
    // Logged with who and what.
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'dashboard action',
        action: 'redrive',
        who: 'operator',
        corrected: true,
        orderId: good!.orderId,
      }),
    );
  }, 120_000);

  it('a dead-lettered order shows as dead-lettered among the recent orders, not as received; redriven, it moves on', async () => {
    const [order] = orders(1, 'dash-dead-');
    const id = order!.orderId;
    // Its order ID is readable, so the monitor lists it; the schema refuses it, so it is dead-lettered.
    await p.js.publish('ORDERS.received', JSON.stringify({ ...order!, currency: 'euro' }));
    const row = `#orders tr[data-order-id="${id}"]`;
    await waitFor(
      'the order dead-lettered on the page',
      async () => (await attr(row, 'data-state')) === 'dead-lettered',
    );
    const letter = await attr(`#dead-letters tr[data-order-id="${id}"]`, 'data-dead-letter-id');
    expect(await text(`${row} td:nth-child(2)`)).toBe(`dead-lettered (poison, dead letter ${letter})`);

    const res = await fetch(`${dashboard.url}api/dead-letters/${letter}/redrive`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ payload: JSON.stringify(order) }),
    });
    expect(res.status).toBe(200);
    await waitFor(
      'the redriven order completed on the page',
      async () => (await attr(row, 'data-state')) === 'completed',
    );
    expect(await count('#dead-letters tbody tr')).toBe(0);
  }, 120_000);

  it('alerts: a stage consumer paused at the server shows as intake paused, and clears when resumed', async () => {
    const alert = '#alerts li[data-kind="paused"]';
    await p.jsm.consumers.pause('ORDERS', 'NEW', new Date(Date.now() + 60_000));
    try {
      await waitFor('the intake-paused alert', async () => (await text(alert)).includes('consumer NEW'));
      expect(await text('#stages tr[data-stage="process"] td:nth-child(7)')).toBe('paused');
    } finally {
      await p.jsm.consumers.resume('ORDERS', 'NEW');
    }
    await waitFor('the alert gone', async () => (await count(alert)) === 0);
  });

  it('the command serves the page on 127.0.0.1 and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'dashboard', '--port', '0'], {
      env: cleanEnv(p.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the dashboard address', () =>
        Promise.resolve(/dashboard on http:\/\/127\.0\.0\.1:\d+\//.test(out)),
      );
      const url = /dashboard on (\S+)/.exec(out)![1]!;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await res.text()).toContain('<script src="/app.js" defer></script>');
      // A page elsewhere that resolves its name to 127.0.0.1 reads nothing.
      const rebound = await new Promise<number>((resolve, reject) =>
        http
          .get(`${url}api/state`, { headers: { Host: 'evil.example' } }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          })
          .on('error', reject),
      );
      expect(rebound).toBe(421);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('a non-loopback bind: no start without a token; with one, an action without it is refused', async () => {
    const refused = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], { env: p.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringContaining('0.0.0.0 is not a loopback address and ORDERFLOW_DASHBOARD_TOKEN is not set'),
    ]);
    expectNoStackTrace(refused);

    const open = await startDashboard({
      nc: p.nc,
      client: p.client,
      access: dashboardAccess('0.0.0.0', 'ops:correct-horse-battery'),
      port: 0,
      logger,
    });
    try {
      const url = `http://127.0.0.1:${open.port}`;
      const redrive = (headers: Record<string, string>) =>
        fetch(`${url}/api/dead-letters/1/redrive`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: '{}',
        });
      expect((await redrive({})).status).toBe(401);
      expect((await redrive({ Authorization: 'Bearer wrong-token-here' })).status).toBe(403);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      // With the token, the request gets as far as the dead letter (there is none left: 400, not 401/403).
      expect((await redrive({ Authorization: 'Bearer correct-horse-battery' })).status).toBe(400);
      expect(logLines).toContainEqual(expect.objectContaining({ msg: 'dashboard action refused', status: 401 }));

      // The page asks for the token in the confirmation, and acts only with it.
      const tokenPage = await browser.newPage();
      try {
        await tokenPage.goto(`${url}/`);
        const [good] = orders(1, 'dash-token-');
        await p.js.publish('ORDERS.received', 'not json');
        const row = tokenPage.locator('#dead-letters tr[data-kind="poison"]');
        await waitFor('the poison order on the token page', async () => (await row.count()) === 1);
        await row.locator('button.redrive').click();
        expect(await tokenPage.locator('#redrive-token').isVisible()).toBe(true);
        await tokenPage.locator('#redrive-payload').fill(JSON.stringify(good));
        await tokenPage.locator('#redrive-confirm').click();
        await waitFor('the refusal without the token', async () =>
          ((await tokenPage.locator('#redrive-error').textContent()) ?? '').includes('needs the dashboard token'),
        );
        await tokenPage.locator('#redrive-token').fill('ops:correct-horse-battery');
        await tokenPage.locator('#redrive-confirm').click();
        await waitFor('the redrive with the token', async () =>
          ((await tokenPage.locator('#action-result').textContent()) ?? '').includes('redriven as ORDERS seq'),
        );
        await waitFor(
          'the order completed on the token page',
          async () =>
            (await tokenPage.locator(`#orders tr[data-order-id="${good!.orderId}"]`).getAttribute('data-state')) ===
            'completed',
        );
        expect(logLines).toContainEqual(
          expect.objectContaining({ msg: 'dashboard action', who: 'ops', orderId: good!.orderId }),
        );
      } finally {
        await tokenPage.close();
      }
    } finally {
      await open.close();
    }
  }, 90_000);
});
