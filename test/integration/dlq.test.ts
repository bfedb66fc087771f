import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expectCompletedOnce } from '../harness/expect-pipeline';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { Pipeline } from '../harness/pipeline';
import { orders, startBridge, startPipeline, startWorker, stopComponents, waitFor } from '../harness/pipeline';
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
});
