/**
 * The order ID a stored message names, whatever its stage: `{"orderId"}` on ORDERS.received,
 * `{"order": {"orderId"}}` after. Undefined for anything that is not such JSON (poison).
 */
export function orderIdOf(data: Uint8Array): string | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as {
      orderId?: unknown;
      order?: { orderId?: unknown };
    } | null;
    const id = value?.orderId ?? value?.order?.orderId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
