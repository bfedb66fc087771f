/**
 * The checks defineFunction and definePipeline make on what a user wrote: each failure one
 * PipelineDefinitionError, one line saying where, what is wrong and what to do, which the worker
 * prints as it is (exit 2).
 */
import { msToNumber } from '@temporalio/common';

import { describeUnknown, unknownOption } from './option-keys';

/** A duration: milliseconds, or a string such as '30s', '2 minutes' (Temporal's format). */
export type Duration = number | string;

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

export function durationMs(what: string, value: Duration | undefined, fallback: number, min: number): number {
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
