/**
 * testing kit - runFunction runs one function as a worker would, in Temporal's
 * MockActivityEnvironment: the worker's own key, attempt, signal, heartbeats and log, results
 * typed by `needs`, and every refusal a worker would make.
 */
import { NonRetryableError } from '../../activities/errors';
import { defineFunction } from '../../activities/define';
import { idempotencyKeyFor } from '../../workflows/names';
import { orderRevision } from '../../shared/orders/revision';
import { KitError } from '../../local/testing/kit-error';
import { runFunction } from '../../local/testing/run-function';

const order = {
  orderId: 'o-1',
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'sku-1', quantity: 2, unitPrice: 5 }],
};

const charge = defineFunction({
  name: 'charge',
  run: (o, ctx) => {
    ctx.heartbeat({ step: 'sent' });
    ctx.log.info('charged', { amount: 10 });
    return { chargeId: `ch-${o.orderId}`, attempt: ctx.attempt };
  },
});

describe('testing kit - runFunction', () => {
  it("testing kit - gives the function's result, the worker's idempotency key and attempt, heartbeats and log lines", async () => {
    const run = await runFunction(charge, order, { attempt: 3 });
    const chargeId: string = run.result.chargeId; // typed as the function's result
    expect(chargeId).toBe('ch-o-1');
    expect(run.result.attempt).toBe(3);
    expect(run.attempt).toBe(3);
    expect(run.idempotencyKey).toBe(idempotencyKeyFor('process', 'charge', 'o-1', orderRevision(order)));
    expect(run.heartbeats).toEqual([{ step: 'sent' }]);
    expect(run.logs).toEqual([
      {
        level: 'INFO',
        message: 'charged',
        attrs: { orderId: 'o-1', stage: 'process', function: 'charge', amount: 10 },
      },
    ]);
  });

  it('testing kit - hands a function the results it needs, typed, and refuses to run it without them, as a worker would', async () => {
    const ship = defineFunction({
      name: 'ship',
      needs: { process: [charge] },
      run: (_o, ctx) => ({ label: `label-${ctx.results.process.charge.chargeId}` }),
    });
    const results = { process: { charge: { chargeId: 'ch-9', attempt: 1 } } };
    await expect(runFunction(ship, order, { stage: 'dispatch', results })).resolves.toMatchObject({
      result: { label: 'label-ch-9' },
    });
    const missing = runFunction(ship, order, { stage: 'dispatch', results: {} as typeof results });
    await expect(missing).rejects.toThrow(
      /function ship needs the result of process.charge, which this order's earlier runs do not hold/,
    );
  });

  it('testing kit - aborting the test signal aborts ctx.signal, and the run ends with what the function threw', async () => {
    const calls: string[] = [];
    const slow = defineFunction({
      name: 'slow',
      run: (_o, ctx) =>
        new Promise<null>((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            calls.push('aborted');
            reject(new Error('stopped by abort'));
          });
        }),
    });
    const controller = new AbortController();
    const running = runFunction(slow, order, { signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toThrow('stopped by abort');
    expect(calls).toEqual(['aborted']);
  });

  it("testing kit - a NonRetryableError is thrown as the function threw it; a result JSON would change is the worker's refusal", async () => {
    const declined = defineFunction({
      name: 'declined',
      run: () => {
        throw new NonRetryableError('card declined', { type: 'CardDeclined' });
      },
    });
    await expect(runFunction(declined, order)).rejects.toBeInstanceOf(NonRetryableError);
    const dated = defineFunction({ name: 'dated', run: (): unknown => ({ at: new Date(0) }) });
    await expect(runFunction(dated, order)).rejects.toThrow(
      /function dated returned a value JSON would not carry unchanged \(result.at is a Date\)/,
    );
  });

  it('testing kit - an order the bridge would refuse is a KitError naming the field', async () => {
    const run = runFunction(charge, { ...order, items: [] });
    await expect(run).rejects.toBeInstanceOf(KitError);
    await expect(runFunction(charge, { ...order, currency: 5 })).rejects.toThrow(/the order is not valid: currency/);
  });
});
