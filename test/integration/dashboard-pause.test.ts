/**
 * An operator's pause of a stage on the dashboard (issue 22, item 4), on one pipeline of real
 * servers with two bridges: through the page's API (guarded by the dashboard token: refused
 * without it or with a wrong one, nothing paused; recorded with who, why and until when; every
 * bridge stops taking the stage; resumed, the orders that waited complete once, one delivery each;
 * bad input refused as one JSON line), and in Chromium (a pause from the CLI shown with who, why
 * and until when and not as a fault; the Resume button resumes it; the Pause button with a reason
 * pauses, a bad until refused in the dialog, and a pause whose until passed shown as ended).
 */
import type { Browser, Page } from 'playwright-core';

import type { Bridge } from '../../bridge/bridge';
import type { RunningDashboard } from '../../operate/dashboard';
import { dashboardAccess, startDashboard } from '../../operate/dashboard';
import type { SystemState } from '../../operate/dashboard/system-state';
import { createLogger } from '../../shared/log';
import { featuresOf } from '../../shared/nats/server-features';
import { pausesOnRecord } from '../../shared/pause/stage-pause';
import { attrOf, describeInBrowser, launchChromium, textOf } from '../harness/browser';
import { runCli } from '../harness/cli';
import { expectCompletedOnce, publishWhilePaused } from '../harness/expect-pipeline';
import { metric } from '../harness/metrics';
import type { Pipeline } from '../harness/pipeline';
import { deliveries, orders, publish, startBridge, startPipeline, startWorker, waitFor } from '../harness/pipeline';

const TOKEN = 'ops:correct-horse-battery';
const SECRET = 'correct-horse-battery';

let p: Pipeline;
let bridges: Bridge[];
let dashboard: RunningDashboard;
const logLines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  format: 'json',
  write: (line) => void logLines.push(JSON.parse(line) as Record<string, unknown>),
});

beforeAll(async () => {
  p = await startPipeline();
  await startWorker(p);
  bridges = [await startBridge(p), await startBridge(p)];
  // On 127.0.0.1 with a token: every action needs it.
  dashboard = await startDashboard({
    nc: p.nc,
    client: p.client,
    access: dashboardAccess('127.0.0.1', TOKEN),
    port: 0,
    pollEveryMs: 1000,
    logger,
  });
}, 120_000);
afterAll(async () => {
  await dashboard?.close();
  await p?.stop();
}, 60_000);

function post(path: string, body: unknown, secret?: string): Promise<Response> {
  return fetch(`${dashboard.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(secret ? { Authorization: `Bearer ${secret}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function systemState(): Promise<SystemState> {
  return ((await (await fetch(`${dashboard.url}api/state`)).json()) as { system: SystemState }).system;
}

/** Whether every bridge honours an operator's pause of `stage` by `by` now, as its /metrics says. */
async function allHonour(stage: string, by: string): Promise<boolean> {
  const bodies = await Promise.all(bridges.map((b) => b.metrics()));
  return bodies.every((body) => metric(body, 'orderflow_stage_paused', `stage="${stage}",by="${by}"`) === 1);
}

describe('dashboard pause - the API', () => {
  it('refuses without the token or with a wrong one, and bad input in one JSON line; nothing is paused', async () => {
    expect((await post('api/stages/process/pause', { reason: 'x' })).status).toBe(401);
    expect((await post('api/stages/process/pause', { reason: 'x' }, 'wrong-token-here')).status).toBe(403);
    expect((await post('api/stages/process/resume', {}, 'wrong-token-here')).status).toBe(403);
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['api/stages/shipping/pause', {}, 400, /^stage: "shipping" is not a stage; use process or dispatch$/],
      ['api/stages/process/pause', { until: 'soon' }, 400, /^until: "soon" is neither a duration nor a time; /],
      ['api/stages/process/pause', { until: '2020-01-01T00:00:00Z' }, 400, /^--until: \S+ is not in the future; /],
      ['api/stages/process/pause', { reason: 7 }, 400, /^reason must be a string$/],
      ['api/stages/dispatch/resume', {}, 409, /^stage dispatch is not paused; nothing to resume$/],
    ];
    for (const [path, body, status, line] of cases) {
      const res = await post(path, body, SECRET);
      const answer = (await res.json()) as Record<string, unknown>;
      expect([path, res.status, Object.keys(answer)]).toEqual([path, status, ['error']]);
      expect(answer.error).toMatch(line);
      expect(answer.error).not.toMatch(/\n/);
    }
    expect(await pausesOnRecord(p.nc)).toEqual([]);
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: 'dashboard action refused', action: 'pause', status: 401 }),
    );
  });

  it('pauses with the token: recorded with who, why and until when, every bridge stops taking the stage, no fault shown; resumed, the orders that waited complete once', async () => {
    const asked = Date.now();
    const res = await post('api/stages/process/pause', { reason: 'ERP deploy', until: '1h' }, SECRET);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^stage process paused: paused by ops until \S+: ERP deploy; /,
    );
    const [record] = await pausesOnRecord(p.nc);
    expect(record).toEqual(
      expect.objectContaining({ stage: 'process', by: 'ops', reason: 'ERP deploy', inForce: true }),
    );
    const until = Date.parse(record!.until!);
    expect(until).toBeGreaterThanOrEqual(asked + 3_600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000);
    await waitFor('every bridge honours the pause', () => allHonour('process', 'ops'), 15_000);

    // The page's state: the stage carries the pause; the consumer paused at the server is no fault.
    const atServer = featuresOf(p.nc).consumerPause;
    await waitFor('the pause in the state', async () => {
      const stage = (await systemState()).stages.find((s) => s.stage === 'process');
      return stage?.operatorPause?.by === 'ops' && stage.paused === atServer;
    });
    expect((await systemState()).alerts.filter((a) => a.kind === 'paused')).toEqual([]);

    const { meanwhile, before } = await publishWhilePaused(p, 3, 'dp-api-');

    expect((await post('api/stages/process/resume', {})).status).toBe(401);
    expect((await pausesOnRecord(p.nc))[0]?.inForce).toBe(true);
    const resumed = await post('api/stages/process/resume', {}, SECRET);
    expect([resumed.status, ((await resumed.json()) as { message: string }).message]).toEqual([
      200,
      `stage process resumed by ops (was paused by ops until ${record!.until}: ERP deploy)`,
    ]);
    await expectCompletedOnce(
      p,
      meanwhile.map((o) => o.orderId),
      'dp-api-',
    );
    expect(await deliveries(p)).toBe(before + meanwhile.length);
    expect(await pausesOnRecord(p.nc)).toEqual([]);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'dashboard action',
        action: 'pause',
        who: 'ops',
        by: 'ops',
        reason: 'ERP deploy',
      }),
    );
  }, 120_000);
});

describeInBrowser('dashboard pause - the page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const text = (selector: string): Promise<string> => textOf(page, selector);
  const attr = (selector: string, name: string): Promise<string> => attrOf(page, selector, name);

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(dashboard.url);
    await waitFor('the page live', async () => (await text('#connection')) === 'live');
  }, 60_000);
  afterAll(() => browser?.close());

  it('shows a pause from the CLI with who, why and until when, not as a fault; the Resume button resumes it and the orders that waited complete', async () => {
    const paused = await runCli(['pause', 'process', '--reason', 'ERP deploy', '--by', 'alice', '--until', '30m'], {
      env: p.env,
    });
    expect([paused.code, paused.stderr]).toEqual([0, '']);
    const until = /until (\S+):/.exec(paused.stdout)![1]!;
    const row = '#pauses tr[data-stage="process"]';
    await waitFor('the pause on the page', async () => (await attr(row, 'data-pause')) === 'paused');
    expect(await text(`${row} td:nth-child(2)`)).toBe('paused by alice');
    expect(await text(`${row} td.reason`)).toBe('ERP deploy');
    expect(await text(`${row} td.until`)).toBe(until);
    expect(Date.parse(await text(`${row} td:nth-child(4)`))).toBeLessThanOrEqual(Date.now());
    expect(await text('#stages tr[data-stage="process"] td:nth-child(7)')).toBe('by alice');
    const atServer = featuresOf(p.nc).consumerPause;
    await waitFor('the consumer’s state polled', async () =>
      (await systemState()).stages.some((s) => s.stage === 'process' && s.paused === atServer),
    );
    expect(await page.locator('#alerts li[data-kind="paused"]').count()).toBe(0);

    const meanwhile = orders(2, 'dp-page-');
    await publish(p, meanwhile);
    await page.locator(`${row} button.resume`).click();
    expect(await page.locator('#stage-token').isVisible()).toBe(true);
    expect(await page.locator('#stage-reason').isVisible()).toBe(false);
    await page.locator('#stage-confirm').click();
    await waitFor('the refusal without the token', async () =>
      (await text('#stage-error')).includes('needs the dashboard token'),
    );
    await page.locator('#stage-token').fill(TOKEN);
    await page.locator('#stage-confirm').click();
    await waitFor(
      'the resume confirmed',
      async () =>
        (await text('#pause-result')) ===
        `stage process resumed by ops (was paused by alice until ${until}: ERP deploy)`,
    );
    await waitFor('the stage shown running', async () => (await attr(row, 'data-pause')) === 'none');
    await expectCompletedOnce(
      p,
      meanwhile.map((o) => o.orderId),
      'dp-page-',
    );
  }, 120_000);

  it('the Pause button with a reason pauses (a bad until refused in the dialog); once its until passes the page shows it ended', async () => {
    const row = '#pauses tr[data-stage="dispatch"]';
    await page.locator(`${row} button.pause`).click();
    await page.locator('#stage-reason').fill('courier strike');
    await page.locator('#stage-until').fill('soon');
    await page.locator('#stage-token').fill(SECRET);
    await page.locator('#stage-confirm').click();
    await waitFor('the bad until refused', async () =>
      /^until: "soon" is neither a duration nor a time; /.test(await text('#stage-error')),
    );
    expect(await page.locator('#stage-dialog').isVisible()).toBe(true);
    expect(await pausesOnRecord(p.nc)).toEqual([]);

    await page.locator('#stage-until').fill('8s');
    await page.locator('#stage-confirm').click();
    await waitFor('the pause confirmed', async () =>
      /^stage dispatch paused: paused by ops until \S+: courier strike; /.test(await text('#pause-result')),
    );
    const [record] = await pausesOnRecord(p.nc);
    expect(record).toEqual(
      expect.objectContaining({ stage: 'dispatch', by: 'ops', reason: 'courier strike', inForce: true }),
    );
    await waitFor('the pause on the page', async () => (await attr(row, 'data-pause')) === 'paused');
    expect([await text(`${row} td:nth-child(2)`), await text(`${row} td.until`)]).toEqual([
      'paused by ops',
      record!.until,
    ]);
    await waitFor('the pause shown ended by itself', async () => (await attr(row, 'data-pause')) === 'ended', 20_000);
    expect(await text(`${row} td:nth-child(2)`)).toBe('ended by itself (paused by ops)');
  }, 60_000);
});
