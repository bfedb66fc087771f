/**
 * Errors a user can fix. The CLI prints their message on one line (no stack trace) and exits with
 * `exitCode`. Anything else that escapes is a bug and is printed with its stack.
 */
export abstract class UserError extends Error {
  abstract readonly exitCode: number;
}

/** Thrown when a setting (environment variable, flag or file) has a value orderflow cannot use. */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
  constructor(
    readonly setting: string,
    readonly problem: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${setting}: ${problem}; ${fix}`, options);
  }
}

/** Thrown when the command line itself is wrong (unknown verb, missing argument). */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** Thrown when a server orderflow needs cannot be reached or refuses the connection. */
export class ServerUnreachableError extends UserError {
  override readonly name = 'ServerUnreachableError';
  readonly exitCode = 3;
  constructor(
    readonly server: 'NATS' | 'Temporal',
    readonly address: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot reach ${server} at ${address}: ${reason}. ` +
        (server === 'NATS'
          ? 'Is nats-server running with JetStream (-js)? Set NATS_URL or --nats-url to its address.'
          : 'Is the Temporal server running? Set TEMPORAL_ADDRESS or --temporal-address to its host:port.'),
      options,
    );
  }
}

/** Thrown when input data (an order, a file of orders) does not pass validation. */
export class InvalidInputError extends UserError {
  override readonly name = 'InvalidInputError';
  readonly exitCode = 2;
}

/** Thrown when a tool binary (nats-server, temporal) is missing. */
export class MissingToolError extends UserError {
  override readonly name = 'MissingToolError';
  readonly exitCode = 2;
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/** The message of anything thrown, for logs and one-line reports. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Thrown when the ORDERS stream or one of its consumers is missing or is not the one expected. */
export class TopologyMissingError extends UserError {
  override readonly name = 'TopologyMissingError';
  readonly exitCode = 2;
}
