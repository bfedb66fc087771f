/** Errors a user's function throws to tell orderflow what a failure means. */

/**
 * Thrown by a function when retrying cannot help (a declined card, an address that does not
 * exist): the function is not retried and its stage fails at once with this reason.
 */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  /** The failure's type, as Temporal and `status` show it. Default: `NonRetryableError`. */
  readonly type: string;
  /** JSON detail kept with the failure. */
  readonly details?: unknown;

  constructor(message: string, options: { type?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.type = options.type ?? 'NonRetryableError';
    if (options.details !== undefined) this.details = options.details;
  }
}
