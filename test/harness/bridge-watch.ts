/**
 * An `orderflow bridge` process watched from outside, for the tests of Temporal's faults: its JSON
 * log and /readyz, the Temporal state changes it logged, and the invariant that every order of a
 * batch completed once without a delivery charged or a dead letter.
 */
import { listDeadLetters } from '../../operate/dlq/dead-letter-store';
import type { Order } from '../../shared/orders/schema';
import { expectCompletedOnce, expectDrained } from './expect-pipeline';
import type { Pipeline } from './pipeline';
import { deliveries, spawnBridgeProcess, waitFor } from './pipeline';

export interface LogRecord {
  readonly msg?: string;
  readonly fault?: string;
  readonly [field: string]: unknown;
}

export interface WatchedBridge {
  /** The JSON lines written so far, parsed. */
  readonly records: () => LogRecord[];
  /** Status and body of GET /readyz. */
  readonly readyz: () => Promise<{ status: number; body: string }>;
}

/** `orderflow bridge` as a process, its log kept from the first line, once it serves /readyz. */
export async function watchedBridge(p: Pipeline, env: Record<string, string> = {}): Promise<WatchedBridge> {
  const child = spawnBridgeProcess(p, env);
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  const records = (): LogRecord[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogRecord);
  const serving = (): LogRecord | undefined => records().find((r) => r.msg === 'serving /metrics, /healthz, /readyz');
  await waitFor('the bridge serves /readyz', () => {
    if (child.exitCode !== null) throw new Error(`bridge exited (${child.exitCode}):\n${text}`);
    return Promise.resolve(serving() !== undefined);
  });
  const url = serving()!.url as string;
  const readyz = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: await res.text() };
  };
  return { records, readyz };
}

/** The bridge's Temporal state changes as logged, in order: `paused:<fault kind>` or `resumed`, and when. */
export function temporalChanges(records: readonly LogRecord[]): Array<{ state: string; at: number }> {
  return records.flatMap((r) => {
    const at = Date.parse(String(r.time));
    if (r.msg === 'Temporal cannot take work; intake paused') return [{ state: `paused:${r.fault}`, at }];
    if (r.msg === 'Temporal takes work again; intake resumed') return [{ state: 'resumed', at }];
    return [];
  });
}

export function temporalStates(records: readonly LogRecord[]): string[] {
  return temporalChanges(records).map((c) => c.state);
}

/** Pauses for any other cause than `kind`: none when Temporal was only ever `kind`. */
export function pausedOtherThan(states: readonly string[], kind: string): string[] {
  return states.filter((s) => s.startsWith('paused:') && s !== `paused:${kind}`);
}

/** Logged once per change of state: no entry repeats the one before it. */
export function expectLoggedOncePerChange(states: readonly string[]): void {
  expect(states.filter((s, i) => i > 0 && s === states[i - 1])).toEqual([]);
}

/**
 * Pauses that ended before the health watch's first probe while faulted could have come
 * (`probeIntervalMs`, 500 ms by default), as `<state> for <ms> ms`. Such a pause pauses nothing:
 * it is a pair of log lines per failed call.
 */
export function shortPauses(records: readonly LogRecord[]): string[] {
  const changes = temporalChanges(records);
  return changes.flatMap((c, i) => {
    const next = changes[i + 1];
    if (!c.state.startsWith('paused') || next?.state !== 'resumed' || next.at - c.at >= 500) return [];
    return [`${c.state} for ${next.at - c.at} ms`];
  });
}

export async function deadLetteredWithPrefix(p: Pipeline, prefix: string): Promise<string[]> {
  return (await listDeadLetters(p.jsm)).flatMap((d) => (d.orderId?.startsWith(prefix) ? [d.orderId] : []));
}

/**
 * Every order of `batch` (IDs starting with `prefix`) completed once, as `view` (the pipeline on
 * the Temporal namespace the bridge used) sees it; NEW delivered each of them exactly once since
 * `deliveredBefore` (nothing charged, nothing redelivered) and none was dead-lettered.
 */
export async function expectEachOnceUncharged(
  view: Pipeline,
  batch: readonly Order[],
  prefix: string,
  deliveredBefore: number,
  timeoutMs: number,
): Promise<void> {
  await expectCompletedOnce(
    view,
    batch.map((o) => o.orderId),
    prefix,
    timeoutMs,
  );
  await expectDrained(view);
  expect(await deliveries(view)).toBe(deliveredBefore + batch.length);
  expect(await deadLetteredWithPrefix(view, prefix)).toEqual([]);
}
