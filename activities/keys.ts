/**
 * Keys of side effects in the effects bucket. KV keys allow `[-/_=.A-Za-z0-9]`; order IDs may also
 * hold ':', so '=' and ':' are escaped ('=3D', '=3A') and distinct order IDs never share a key.
 * The step comes first: it has no dots, so the key splits back unambiguously.
 */
export function escapeKeyToken(value: string): string {
  return value.replace(/=/g, '=3D').replace(/:/g, '=3A');
}

/** Key of one function's effect for one order: `<step>.<orderId>`. */
export function effectKey(step: string, orderId: string): string {
  return `${step}.${escapeKeyToken(orderId)}`;
}

/** Key recording that a stage published its output for an order: `published-<stage>.<orderId>`. */
export function publishedKey(stage: string, orderId: string): string {
  return `published-${stage}.${escapeKeyToken(orderId)}`;
}
