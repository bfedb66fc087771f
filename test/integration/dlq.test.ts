import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expectCompletedOnce } from '../harness/expect-pipeline';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { Pipeline } from '../harness/pipeline';
import { orders, startBridge, startPipeline, startWorker, stopComponents, waitFor } from '../harness/pipeline';
import { startNats } from '../harness/servers';
import { forEachNatsServer } from '../harness/tools';

interface Listed {
  id: number;
  kind: string;
  orderId?: string;
  reason: string;
  payload: string;
  subject: string;
}

// On every nats-server version: a dead letter must be terminated, not redelivered, to be redriven once.
forEachNatsServer('dlq - list, show, redrive and purge dead letters', (server) => {
  let p: Pipeline;
  const cli = (args: string[]) => runCli(args, { env: p.env });
  const listed = async (): Promise<Listed[]> =>
    (await cli(['dlq', 'list', '--json'])).stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Listed);

  beforeAll(async () => {
    p = await startPipeline({ natsBinary: server.path, ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('a poison order shows up in the list, and after a redrive with a corrected payload it completes', async () => {
    await startWorker(p);
    await startBridge(p);
    const [good] = orders(1, 'fixme-');
    const broken = { ...good!, items: [{ ...good!.items[0]!, quantity: 0 }] };
    await p.js.publish('ORDERS.received', JSON.stringify(broken));
    await waitFor('the dead letter', async () => (await listed()).some((d) => d.orderId === good!.orderId));

    const letter = (await listed()).find((d) => d.orderId === good!.orderId)!;
    expect(letter).toMatchObject({ kind: 'poison', subject: 'ORDERS.received' });
    expect(letter.reason).toContain('items[0].quantity: must be at least 1');
    expect(JSON.parse(letter.payload)).toEqual(broken);
    const table = await cli(['dlq', 'list']);
    expect(table.stdout).toMatch(new RegExp(`${letter.id}\\s+\\S+\\s+NEW\\s+poison\\s+${good!.orderId}`));
    const shown = await cli(['dlq', 'show', String(letter.id)]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: letter.id, reason: letter.reason });

    // A correction that is still invalid is refused, and the dead letter stays.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlq-'));
    fs.writeFileSync(path.join(dir, 'still-bad.json'), JSON.stringify({ ...broken, currency: 'euro' }));
    const refused = await cli(['dlq', 'redrive', String(letter.id), '--payload', path.join(dir, 'still-bad.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('would be dead-lettered again');
    expectNoStackTrace(refused);
    expect((await listed()).map((d) => d.id)).toContain(letter.id);

    fs.writeFileSync(path.join(dir, 'fixed.json'), JSON.stringify(good));
    const redriven = await cli(['dlq', 'redrive', String(letter.id), '--payload', path.join(dir, 'fixed.json')]);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain(`dead letter ${letter.id} (${good!.orderId}) back on ORDERS.received`);
    await expectCompletedOnce(p, [good!.orderId], 'fixme-');
    expect((await listed()).map((d) => d.id)).not.toContain(letter.id);
  }, 120_000);

  it('purge asks for confirmation, and removes everything only when given', async () => {
    await startWorker(p);
    await startBridge(p);
    await p.js.publish('ORDERS.received', 'not json at all');
    await waitFor('a dead letter', async () => (await listed()).length > 0);
    const unconfirmed = await cli(['dlq', 'purge']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('pass --yes to confirm');
    expect((await listed()).length).toBeGreaterThan(0);
    const purged = await cli(['dlq', 'purge', '--yes']);
    expect(purged.stdout).toMatch(/Removed \d+ dead letter\(s\)/);
    expect(await listed()).toEqual([]);
    expect((await cli(['dlq', 'show', '999'])).stderr).toContain('no dead letter 999');
  }, 120_000);

  it('purge selects by id range, kind and stage, and removes only those, after the same confirmation', async () => {
    // Each failing order is dead-lettered as `failed` after its first failed run.
    await startWorker(p, { orderPrefix: 'purge-failed-', step: 'reserveStock', failForGood: true });
    await startBridge(p, { maxDeliveries: '1' });
    const [failing] = orders(1, 'purge-failed-');
    await p.js.publish('ORDERS.received', 'poison one');
    await p.js.publish('ORDERS.received', JSON.stringify(failing));
    await p.js.publish('ORDERS.received', 'poison two');
    await waitFor('three dead letters', async () => (await listed()).length === 3);
    const all = await listed();
    const [poison1, poison2] = all.filter((d) => d.kind === 'poison').map((d) => d.id);
    const failed = all.find((d) => d.kind === 'failed')!;
    expect(failed.orderId).toBe(failing!.orderId);

    // The selection is listed as purge would take it.
    const poisonOnly = await cli(['dlq', 'list', '--kind', 'poison', '--json']);
    expect(
      poisonOnly.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Listed).id),
    ).toEqual([poison1, poison2]);

    // Without a terminal and without --yes, nothing goes, and the refusal names the selection.
    const unconfirmed = await cli(['dlq', 'purge', '--kind', 'failed', '--stage', 'process']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(
      'purge removes 1 dead letter(s) of kind failed, of stage process (NEW) for good: pass --yes to confirm',
    );
    expect(await listed()).toHaveLength(3);

    const byKind = await cli(['dlq', 'purge', '--kind', 'failed', '--stage', 'process', '--yes']);
    expect(byKind.stdout).toBe('Removed 1 dead letter(s) of kind failed, of stage process (NEW).\n');
    expect((await listed()).map((d) => d.id)).toEqual([poison1, poison2]);

    const byStage = await cli(['dlq', 'purge', '--stage', 'dispatch', '--yes']);
    expect(byStage.stdout).toBe('No dead letters of stage dispatch (DISPATCH).\n');
    const byRange = await cli(['dlq', 'purge', `1-${poison1}`, '--yes']);
    expect(byRange.stdout).toBe(`Removed 1 dead letter(s) with id 1-${poison1}.\n`);
    expect((await listed()).map((d) => d.id)).toEqual([poison2]);

    const backwards = await cli(['dlq', 'purge', '9-3', '--yes']);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('the range 9-3 ends before it starts');
    const unknownKind = await cli(['dlq', 'purge', '--kind', 'broken', '--yes']);
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toContain('"broken" is not a dead letter kind');
    expectNoStackTrace(unknownKind);
    expect((await listed()).map((d) => d.id)).toEqual([poison2]);
  }, 120_000);
});

describe('dlq - a NATS without the dead-letter stream', () => {
  it('dlq - list, show and purge on a NATS orderflow never provisioned say so in one line, exit 2', async () => {
    const bare = await startNats();
    for (const args of [['list'], ['show', '3'], ['purge', '--yes']]) {
      const result = await runCli(['dlq', ...args], { env: { NATS_URL: bare.url } });
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr.trim()).toBe(
        'orderflow: this NATS has no ORDERS_DLQ stream: it is not the NATS orderflow provisioned, or it was never ' +
          'provisioned; name the right server (--nats-url, NATS_URL, a context) or run `orderflow provision`',
      );
      expectNoStackTrace(result);
    }
  }, 60_000);
});
