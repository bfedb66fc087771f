/**
 * The runs' search attributes without servers: what a run is given, what is read back, the
 * visibility query for one message, and registering them on a namespace through a fake operator
 * service (missing ones added with their types, present ones left alone, a denial a warning).
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';

import { searchAttributesLine } from '../../cli/commands/provision';
import { renderMessageRuns } from '../../cli/commands/status';
import { messageRunView } from '../../operate/status/message-runs';
import { readRunAttributes, runAttributesFor, runsOfMessageQuery } from '../../shared/temporal/run-attributes';
import { registerSearchAttributes, registrationState } from '../../shared/temporal/search-attribute-registry';
import { SEARCH_ATTRIBUTES } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import { grpcError } from '../harness/grpc-error';

const input = {
  order: { orderId: 'A-1' },
  revision: 'r1',
  source: { stream: 'ORDERS', subject: 'ORDERS.received', streamSeq: 12, deliveryCount: 2, headers: {} },
} as unknown as StageInput;

/** A client whose operator service holds `custom` and records what is added. */
function fakeClient(custom: Record<string, number>, fail?: { list?: Error; add?: Error }) {
  const added: Array<Record<string, number>> = [];
  const client = {
    options: { namespace: 'ns1' },
    connection: {
      operatorService: {
        listSearchAttributes: jest.fn(({ namespace }: { namespace: string }) => {
          expect(namespace).toBe('ns1');
          return fail?.list ? Promise.reject(fail.list) : Promise.resolve({ customAttributes: { ...custom } });
        }),
        addSearchAttributes: jest.fn((req: { namespace: string; searchAttributes: Record<string, number> }) => {
          if (fail?.add) return Promise.reject(fail.add);
          added.push(req.searchAttributes);
          return Promise.resolve({});
        }),
      },
    },
  } as unknown as Client;
  return { client, added };
}

const ALL = {
  OrderflowOrderId: 2,
  OrderflowStream: 2,
  OrderflowStreamSeq: 3,
  OrderflowSubject: 2,
  OrderflowDelivery: 3,
};

describe('search attributes - what a run carries', () => {
  it('a run started for a message carries its order, stream, sequence, subject and delivery, read back alike', () => {
    const pairs = runAttributesFor(input);
    expect(pairs.map((p) => [p.key.name, p.key.type, p.value])).toEqual([
      ['OrderflowOrderId', 'KEYWORD', 'A-1'],
      ['OrderflowStream', 'KEYWORD', 'ORDERS'],
      ['OrderflowStreamSeq', 'INT', 12],
      ['OrderflowSubject', 'KEYWORD', 'ORDERS.received'],
      ['OrderflowDelivery', 'INT', 2],
    ]);
    expect(readRunAttributes(new TypedSearchAttributes(pairs))).toEqual({
      stream: 'ORDERS',
      subject: 'ORDERS.received',
      streamSeq: 12,
      deliveryCount: 2,
    });
    expect(readRunAttributes(undefined)).toEqual({});
    expect(readRunAttributes(new TypedSearchAttributes())).toEqual({});
  });

  it('the names are defined once, as the README gives them', () => {
    expect(Object.values(SEARCH_ATTRIBUTES).map((a) => `${a.name}:${a.type}`)).toEqual([
      'OrderflowOrderId:KEYWORD',
      'OrderflowStream:KEYWORD',
      'OrderflowStreamSeq:INT',
      'OrderflowSubject:KEYWORD',
      'OrderflowDelivery:INT',
    ]);
  });
});

describe('search attributes - the query for one message', () => {
  it('names the stream, quoted, and the sequence as a number', () => {
    expect(runsOfMessageQuery('ORDERS', 12)).toBe("OrderflowStream = 'ORDERS' AND OrderflowStreamSeq = 12");
    expect(runsOfMessageQuery("O'R\\D", 1)).toBe("OrderflowStream = 'O\\'R\\\\D' AND OrderflowStreamSeq = 1");
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 60])('refuses sequence %p', (seq) => {
    expect(() => runsOfMessageQuery('ORDERS', seq)).toThrow(RangeError);
  });
});

describe('search attributes - a listed run as status --seq shows it', () => {
  const base = {
    workflowId: 'process-A-1',
    runId: 'r-2',
    type: 'processOrder',
    status: { name: 'COMPLETED' },
    startTime: new Date('2026-01-01T00:00:00Z'),
    closeTime: new Date('2026-01-01T00:00:05Z'),
  };

  it('takes the delivery and subject from the attributes, the memo where they are absent', () => {
    const withAttributes = {
      ...base,
      memo: { streamSeq: 12, deliveryCount: 1, subject: 'memo.subject' },
      typedSearchAttributes: new TypedSearchAttributes(runAttributesFor(input)),
    } as unknown as WorkflowExecutionInfo;
    expect(messageRunView(withAttributes)).toEqual({
      stage: 'process',
      workflowId: 'process-A-1',
      runId: 'r-2',
      status: 'COMPLETED',
      subject: 'ORDERS.received',
      deliveryCount: 2,
      startTime: '2026-01-01T00:00:00.000Z',
      closeTime: '2026-01-01T00:00:05.000Z',
    });
    const memoOnly = {
      ...base,
      type: 'dispatchOrder',
      closeTime: undefined,
      memo: { streamSeq: 12, deliveryCount: 3, subject: 'ORDERS.processed', rerunTag: 'INC-1', reapply: false },
      typedSearchAttributes: new TypedSearchAttributes(),
    } as unknown as WorkflowExecutionInfo;
    expect(messageRunView(memoOnly)).toMatchObject({
      stage: 'dispatch',
      subject: 'ORDERS.processed',
      deliveryCount: 3,
      rerunTag: 'INC-1',
    });
    expect(messageRunView(memoOnly).closeTime).toBeUndefined();
  });

  it('renders a table of the runs, and the note when none was found', () => {
    const text = renderMessageRuns({
      stream: 'ORDERS',
      streamSeq: 12,
      via: 'search-attributes',
      runs: [
        {
          stage: 'process',
          workflowId: 'process-A-1',
          runId: 'r-1',
          status: 'FAILED',
          deliveryCount: 1,
          startTime: 't1',
          closeTime: 't2',
        },
        {
          stage: 'process',
          workflowId: 'process-A-1',
          runId: 'r-2',
          status: 'COMPLETED',
          deliveryCount: 2,
          startTime: 't3',
        },
      ],
    });
    expect(text.split('\n')[0]).toBe('ORDERS #12: 2 runs (found by search attributes)');
    expect(text).toMatch(/r-1\s+FAILED\s+1\s+t1\s+t2/);
    expect(text).toMatch(/r-2\s+COMPLETED\s+2\s+t3\s+-/);
    const none = renderMessageRuns({ stream: 'ORDERS', streamSeq: 9, via: 'order-runs', runs: [], note: 'gone' });
    expect(none).toBe("ORDERS #9: 0 runs (found through the order's runs)\ngone");
  });
});

describe('search attributes - registering them on the namespace', () => {
  it('adds the missing ones with their types, once; a second time adds nothing', async () => {
    const { client, added } = fakeClient({ OrderflowOrderId: 2, SomethingElse: 1 });
    expect(await registrationState(client)).toEqual({
      state: 'missing',
      missing: ['OrderflowStream', 'OrderflowStreamSeq', 'OrderflowSubject', 'OrderflowDelivery'],
    });
    const outcome = await registerSearchAttributes(client);
    expect(outcome).toEqual({
      state: 'registered',
      added: ['OrderflowStream', 'OrderflowStreamSeq', 'OrderflowSubject', 'OrderflowDelivery'],
    });
    expect(added).toEqual([{ OrderflowStream: 2, OrderflowStreamSeq: 3, OrderflowSubject: 2, OrderflowDelivery: 3 }]);

    const present = fakeClient(ALL);
    expect(await registerSearchAttributes(present.client)).toEqual({ state: 'registered', added: [] });
    expect(present.added).toEqual([]);
    expect(await registrationState(present.client)).toEqual({ state: 'registered' });
  });

  it('a dry run adds nothing but says what it would add', async () => {
    const { client, added } = fakeClient({});
    expect(await registerSearchAttributes(client, true)).toMatchObject({ state: 'registered' });
    expect(added).toEqual([]);
  });

  it('another provision adding them first (ALREADY_EXISTS) is fine', async () => {
    const { client } = fakeClient({}, { add: grpcError(6, 'already exists') });
    expect(await registerSearchAttributes(client)).toMatchObject({ state: 'registered' });
  });

  it('a denial, an unsupported server, Temporal away or a clash of types is an outcome, never a throw', async () => {
    const denied = fakeClient({}, { add: grpcError(7, 'Request unauthorized.') });
    const deniedOutcome = await registerSearchAttributes(denied.client);
    expect(deniedOutcome).toMatchObject({ state: 'not-registered' });
    expect(deniedOutcome.state === 'not-registered' && deniedOutcome.reason).toContain('not allowed here');

    const unsupported = fakeClient({}, { list: grpcError(12, 'unimplemented') });
    expect(await registerSearchAttributes(unsupported.client)).toMatchObject({ state: 'not-registered' });
    expect(await registrationState(unsupported.client)).toMatchObject({ state: 'unknown' });

    const away = fakeClient({}, { list: grpcError(14, 'connect ECONNREFUSED') });
    const awayOutcome = await registerSearchAttributes(away.client);
    expect(awayOutcome.state === 'not-registered' && awayOutcome.reason).toContain('Temporal unreachable');
    // The bridge's check lets Temporal being away through: its caller decides.
    await expect(registrationState(away.client)).rejects.toThrow('ECONNREFUSED');

    const clash = fakeClient({ ...ALL, OrderflowStreamSeq: 2 });
    const clashOutcome = await registerSearchAttributes(clash.client);
    expect(clashOutcome.state === 'not-registered' && clashOutcome.reason).toContain(
      'OrderflowStreamSeq is registered on namespace ns1 with another type (want INT)',
    );
    expect(clash.added).toEqual([]);
  });

  it("provision's line says what happened, a warning when they could not be registered", () => {
    expect(searchAttributesLine({ state: 'registered', added: ['OrderflowStream'] }, false)).toBe(
      'temporal  search attributes registered (OrderflowStream)',
    );
    expect(searchAttributesLine({ state: 'registered', added: ['OrderflowStream'] }, true)).toContain(
      'would be registered',
    );
    expect(searchAttributesLine({ state: 'registered', added: [] }, false)).toBe('temporal  search attributes present');
    expect(searchAttributesLine({ state: 'not-registered', reason: 'denied' }, false)).toMatch(
      /^warning: search attributes not registered \(denied\); runs start without them/,
    );
  });
});
