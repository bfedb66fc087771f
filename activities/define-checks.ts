/**
 * The checks defineFunction and definePipeline make on what a user wrote: each failure one
 * PipelineDefinitionError, one line saying where, what is wrong and what to do, which the worker
 * prints as it is (exit 2).
 */
import { msToNumber } from '@temporalio/common';

import { FUNCTION_NAME_PATTERN, RESERVED_FUNCTION_NAMES } from '../workflows/names';
import { describeUnknown, unknownOption } from './option-keys';

/** Thrown when a function or pipeline definition is not valid; the message says what to change. */
export class PipelineDefinitionError extends Error {
  override readonly name = 'PipelineDefinitionError';
}

export function fail(what: string, problem: string, advice: string): never {
  throw new PipelineDefinitionError(`${what}: ${problem}; ${advice}`);
}

/** Refuses an option `known` does not list: a misspelled or unsupported one would be dropped unseen. */
export function refuseUnknown(what: string, given: object, known: readonly string[]): void {
  const option = unknownOption(given, known);
  if (option) fail(what, describeUnknown(option), `the options are ${known.join(', ')}`);
}

/** `value` as an options object: a plain object, not a list or a primitive. */
export function isOptionsObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TASK_QUEUE_PATTERN = /^[\w.:-]{1,200}$/;

/** Checks what names a function and where it runs: its name, its run, its task queue. */
export function checkIdentity(
  what: string,
  name: string,
  options: { readonly run?: unknown; readonly local?: unknown; readonly taskQueue?: unknown },
): void {
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    fail(what, 'the name is not valid', 'use letters, digits, _ and -, starting with a letter, at most 64');
  }
  if (RESERVED_FUNCTION_NAMES.includes(name)) fail(what, 'the name is reserved', 'choose another name');
  if (typeof options.run !== 'function') fail(what, 'has no run', 'give run: async (order, ctx) => result');
  if (options.local === true && options.taskQueue !== undefined) {
    fail(what, 'a local function has no task queue of its own', 'drop taskQueue, or local');
  }
  const queue = options.taskQueue;
  if (queue !== undefined && (typeof queue !== 'string' || !TASK_QUEUE_PATTERN.test(queue))) {
    fail(what, `task queue ${JSON.stringify(queue)} is not valid`, 'use letters, digits and . _ : -');
  }
}

/** `value` (a Duration, unchecked: JavaScript users have no compiler) in milliseconds, `fallback` when absent. */
export function durationMs(what: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  let ms: number;
  try {
    ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    return fail(what, `${JSON.stringify(value)} is not a duration`, "give milliseconds or a string such as '30s'");
  }
  if (!Number.isFinite(ms) || ms < min) fail(what, `${JSON.stringify(value)} is too short`, `give at least ${min} ms`);
  return ms;
}

export function whole(what: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    fail(what, `${String(value)} is not allowed`, `give a whole number ≥ ${min}`);
  return value;
}

/** A true/false option: absent is false; anything but a boolean is refused, not read as false. */
export function flag(what: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    fail(what, `${JSON.stringify(value)} is not true or false`, 'give true or false');
  }
  return value === true;
}

/** The retry policy's nonRetryableErrorTypes, checked to be a list of strings, as a frozen copy. */
export function errorTypes(what: string, value: unknown): readonly string[] {
  const types: unknown = value ?? [];
  if (!Array.isArray(types) || types.some((t: unknown) => typeof t !== 'string')) {
    fail(what, 'nonRetryableErrorTypes is not a list of strings', "give error type names, e.g. ['CardDeclined']");
  }
  return Object.freeze([...(types as string[])]);
}
