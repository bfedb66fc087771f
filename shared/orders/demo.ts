/** Valid demo orders, for `publish --count` and `npm start`. */
import type { Order } from './schema';

const catalogue = [
  { sku: 'KB-101', unitPrice: 49.9 },
  { sku: 'MS-202', unitPrice: 19.5 },
  { sku: 'MON-27', unitPrice: 229 },
  { sku: 'USB-C-1M', unitPrice: 9.99 },
  { sku: 'DOCK-4K', unitPrice: 139 },
] as const;

/** A small deterministic generator, so a seed reproduces the same orders. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface DemoOptions {
  /** Prefix of every order ID. Default: `demo-` plus the current time in base 36, unique per run. */
  readonly prefix?: string;
  /** Seed of the generator. Default: the current time. */
  readonly seed?: number;
}

export function demoOrders(count: number, options: DemoOptions = {}): Order[] {
  const now = Date.now();
  const random = mulberry32(options.seed ?? now);
  const prefix = options.prefix ?? `demo-${now.toString(36)}-`;
  return Array.from({ length: count }, (_, i) => {
    const lines = 1 + Math.floor(random() * 3);
    const start = Math.floor(random() * catalogue.length);
    const items = Array.from({ length: lines }, (_, j) => {
      const product = catalogue[(start + j) % catalogue.length]!;
      return { sku: product.sku, quantity: 1 + Math.floor(random() * 4), unitPrice: product.unitPrice };
    });
    return {
      orderId: `${prefix}${i + 1}`,
      customerId: `customer-${1 + Math.floor(random() * 50)}`,
      items,
      currency: 'EUR',
      createdAt: new Date(now).toISOString(),
    };
  });
}
