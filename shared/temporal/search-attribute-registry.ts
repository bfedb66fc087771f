/**
 * Whether the namespace knows orderflow's search attributes, and registering them (`orderflow
 * provision`). A start naming an unregistered attribute fails with INVALID_ARGUMENT, which would
 * fail every order: the bridge asks once at start and sets them only when registered. A denied
 * or unsupported operator call is a warning, never a failure: registering needs an admin's rights.
 */
import type { Client } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';

import { SEARCH_ATTRIBUTES } from '../../workflows/names';
import type { SearchAttributeName } from '../../workflows/names';
import { messageOf } from '../errors';
import { GRPC_STATUS, temporalFaultOf } from './faults';

/** Temporal's IndexedValueType numbers (temporal.api.enums.v1) for the types orderflow uses. */
const INDEXED_VALUE_TYPE: Readonly<Record<SearchAttributeName['type'], number>> = { KEYWORD: 2, INT: 3 };

/** What to tell an operator when the attributes are not registered. */
export const REGISTER_ADVICE = 'run `orderflow provision` to register search attributes';

const WANTED: readonly SearchAttributeName[] = Object.values(SEARCH_ATTRIBUTES);

export type RegistrationState =
  | { readonly state: 'registered' }
  /** Some are missing (listed), or a name is taken with another type (listed with it). */
  | { readonly state: 'missing'; readonly missing: readonly string[] }
  /** The server would not say (no operator service, or not allowed): `reason` in its words. */
  | { readonly state: 'unknown'; readonly reason: string };

function isCode(err: unknown, ...codes: number[]): boolean {
  return isGrpcServiceError(err) && codes.includes(err.code);
}

/** Denied or unsupported: the operator service is out of reach for this identity or server. */
function isNotAllowed(err: unknown): boolean {
  return isCode(err, GRPC_STATUS.PERMISSION_DENIED, GRPC_STATUS.UNIMPLEMENTED);
}

function missingFrom(custom: Readonly<Record<string, number>>): string[] {
  return WANTED.filter((a) => custom[a.name] !== INDEXED_VALUE_TYPE[a.type]).map((a) => a.name);
}

/**
 * Which of orderflow's attributes the client's namespace has. Throws when Temporal is away (the
 * caller's health handling applies); a denial or an unsupported call reads as 'unknown'.
 */
export async function registrationState(client: Client): Promise<RegistrationState> {
  try {
    const res = await client.connection.operatorService.listSearchAttributes({
      namespace: client.options.namespace,
    });
    const missing = missingFrom(res.customAttributes ?? {});
    return missing.length ? { state: 'missing', missing } : { state: 'registered' };
  } catch (err) {
    if (isNotAllowed(err)) return { state: 'unknown', reason: messageOf(err) };
    throw err;
  }
}

/** True when every attribute is registered; false when some are not, or when that cannot be told. */
export async function searchAttributesRegistered(client: Client): Promise<boolean> {
  return registrationState(client).then(
    (found) => found.state === 'registered',
    () => false,
  );
}

export type RegistrationOutcome =
  | { readonly state: 'registered'; readonly added: readonly string[] }
  /** Not registered, and why, in one line: the operator's next step is in it. */
  | { readonly state: 'not-registered'; readonly reason: string };

/**
 * Registers the attributes the namespace lacks (an attribute already there is left as it is).
 * Never throws for a denial, an unsupported server or Temporal being away: provisioning NATS
 * must not fail for it, so the outcome says what happened.
 */
export async function registerSearchAttributes(client: Client, dryRun = false): Promise<RegistrationOutcome> {
  const namespace = client.options.namespace;
  try {
    const res = await client.connection.operatorService.listSearchAttributes({ namespace });
    const custom: Readonly<Record<string, number>> = res.customAttributes ?? {};
    const clash = WANTED.find((a) => custom[a.name] !== undefined && custom[a.name] !== INDEXED_VALUE_TYPE[a.type]);
    if (clash) {
      return {
        state: 'not-registered',
        reason: `${clash.name} is registered on namespace ${namespace} with another type (want ${clash.type}); remove it first`,
      };
    }
    const missing = WANTED.filter((a) => custom[a.name] === undefined);
    if (missing.length && !dryRun) {
      const searchAttributes = Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPE[a.type]]));
      try {
        await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
      } catch (err) {
        // Another provision got there first: what counts is that they are there now.
        if (!isCode(err, GRPC_STATUS.ALREADY_EXISTS)) throw err;
      }
    }
    return { state: 'registered', added: missing.map((a) => a.name) };
  } catch (err) {
    const fault = temporalFaultOf(err);
    const why = isNotAllowed(err)
      ? `not allowed here (${messageOf(err)}); ask the namespace's admin to add them`
      : fault
        ? `Temporal ${fault.kind} (${fault.detail})`
        : messageOf(err);
    return { state: 'not-registered', reason: why };
  }
}
