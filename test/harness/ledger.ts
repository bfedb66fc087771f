/**
 * The ledger (#12 item 4) as tests read it, on the dev server as on a Temporal cluster: the
 * search attributes a namespace has, and `orderflow status --seq` polled until it lists the runs
 * (visibility is eventually consistent, so every read of it is polled within a bound).
 */
import type { Client } from '@temporalio/client';

import type { MessageRuns } from '../../operate/status/message-runs';
import { SEARCH_ATTRIBUTES } from '../../workflows/names';
import { expectNoStackTrace, runCli } from './cli';
import { waitFor } from './pipeline';

/** Visibility lags the runs: how long a listing may take to show them. */
export const VISIBILITY_MS = 30_000;

/** orderflow's attributes as registered, by Temporal's IndexedValueType: 2 KEYWORD, 3 INT. */
const REGISTERED_ATTRIBUTE_TYPES = {
  OrderflowOrderId: 2,
  OrderflowStream: 2,
  OrderflowStreamSeq: 3,
  OrderflowSubject: 2,
  OrderflowDelivery: 3,
};

const ATTRIBUTE_NAMES = Object.values(SEARCH_ATTRIBUTES).map((a) => a.name);

/**
 * `provision --json` printed that it registered every attribute, and the namespace has each with
 * its type.
 */
export async function expectAttributesRegistered(
  provisionJson: string,
  client: Client,
  namespace: string,
): Promise<void> {
  expect((JSON.parse(provisionJson) as { searchAttributes: unknown }).searchAttributes).toEqual({
    state: 'registered',
    added: ATTRIBUTE_NAMES,
  });
  const listed = await client.connection.operatorService.listSearchAttributes({ namespace });
  expect(Object.fromEntries(ATTRIBUTE_NAMES.map((n) => [n, listed.customAttributes?.[n]]))).toEqual(
    REGISTERED_ATTRIBUTE_TYPES,
  );
}

/** `status --seq n --json` with `env`, polled until `done` holds; the last answer is in the error. */
export async function runsOfSeq(
  env: Record<string, string>,
  seq: number,
  done: (m: MessageRuns) => boolean,
): Promise<MessageRuns> {
  let last: MessageRuns | undefined;
  await waitFor(
    `status --seq ${seq} to list the runs`,
    async () => {
      const result = await runCli(['status', '--seq', String(seq), '--json'], { env, timeoutMs: 60_000 });
      expectNoStackTrace(result);
      last = JSON.parse(result.stdout) as MessageRuns;
      return done(last);
    },
    VISIBILITY_MS,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; last answer: ${JSON.stringify(last)}`);
  });
  return last!;
}
