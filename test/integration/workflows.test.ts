/**
 * The stage workflows with mocked functions (the middle of the three test tiers): order of the
 * steps, the status query, what is handed to the publish, and a permanent failure failing the run.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { OrderflowActivities } from '../../activities';
import type { PublishInput, StageInput, StageResult, StageStatus, StepInput } from '../../workflows/types';
import { WORKFLOW_BUNDLE } from '../harness/paths';
import { toolPath } from '../harness/tools';

const order = {
  orderId: 'W-1',
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'KB-101', quantity: 2, unitPrice: 10 }],
};
const input: StageInput = {
  order,
  revision: 'r1',
  upstream: {},
  source: {
    stream: 'ORDERS',
    subject: 'ORDERS.received',
    streamSeq: 7,
    deliveryCount: 1,
    headers: { traceparent: '00-abc-def-01' },
  },
};

describe('workflows - stage workflows with mocked functions', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: toolPath('temporal') } },
    });
  }, 60_000);
  afterAll(() => env?.teardown());

  function mocks(calls: string[], failAt?: string): OrderflowActivities {
    const step = (name: string) => async (i: StepInput) => {
      calls.push(name);
      if (name === failAt) throw ApplicationFailure.nonRetryable(`${name} refused`);
      await Promise.resolve();
      return {
        step: i.step,
        effectKey: `${name}.${i.order.orderId}`,
        applied: true,
        attempt: 1,
        detail: { n: calls.length },
      };
    };
    return {
      reserveStock: step('reserveStock'),
      chargePayment: step('chargePayment'),
      assignCourier: step('assignCourier'),
      ship: step('ship'),
      publishStageOutput: async (p: PublishInput) => {
        calls.push(
          `publish:${p.stage}:${Object.keys(p.output.stages[p.stage] ?? {}).join(',')}:${p.headers.traceparent}`,
        );
        await Promise.resolve();
        return { subject: 'ORDERS.processed', streamSeq: 42, duplicate: false };
      },
    };
  }

  async function run<T>(taskQueue: string, activities: OrderflowActivities, body: () => Promise<T>): Promise<T> {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: WORKFLOW_BUNDLE },
      activities,
    });
    return worker.runUntil(body());
  }

  it('runs the process functions in order, then publishes with their results and the headers', async () => {
    const calls: string[] = [];
    const result = await run('wf-ok', mocks(calls), async () => {
      const handle = await env.client.workflow.start('processOrder', {
        taskQueue: 'wf-ok',
        workflowId: 'process-W-1',
        args: [input],
      });
      const done = (await handle.result()) as StageResult;
      const status = await handle.query<StageStatus>('status');
      return { done, status };
    });
    expect(calls).toEqual([
      'reserveStock',
      'chargePayment',
      'publish:process:reserveStock,chargePayment:00-abc-def-01',
    ]);
    expect(result.done.published).toEqual({ subject: 'ORDERS.processed', streamSeq: 42, duplicate: false });
    expect(result.status).toMatchObject({
      stage: 'process',
      state: 'completed',
      completedSteps: ['reserveStock', 'chargePayment'],
      attempts: { reserveStock: 1, chargePayment: 1 },
      source: { streamSeq: 7 },
    });
  });

  it('a function failing for good fails the run, and nothing is published', async () => {
    const calls: string[] = [];
    const failure = await run('wf-fail', mocks(calls, 'assignCourier'), async () => {
      const handle = await env.client.workflow.start('dispatchOrder', {
        taskQueue: 'wf-fail',
        workflowId: 'dispatch-W-1',
        args: [input],
      });
      return (handle.result() as Promise<unknown>).catch((err: unknown) => err);
    });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(calls).toEqual(['assignCourier']);
  });
});
