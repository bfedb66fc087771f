/** Thrown when the testing kit is used in a way it cannot run: an invalid order, a missing server, a stopped environment. */
export class KitError extends Error {
  override readonly name = 'KitError';
}
