/**
 * The order: the one schema every part of orderflow validates against (publish, bridge, workers).
 * Every rejection names the field and the rule it broke.
 */
import { z } from 'zod';

import { ORDER_ID_PATTERN } from '../../workflows/names';
import { minorUnits } from '../../workflows/currencies';

/** Largest encoded order accepted, in bytes. A real order with 100 lines fits in a few KiB. */
export const MAX_ORDER_BYTES = 64 * 1024;
const MAX_ITEMS = 100;
const MAX_QUANTITY = 10_000;
const MAX_UNIT_PRICE = 1_000_000_000;

/** Order IDs and SKUs: no '/', which marks orderflow's own message IDs (workflows/names/message-ids.ts). */
const idPattern = ORDER_ID_PATTERN;

/**
 * The error option of a required field's type check: "is required" when the field is absent,
 * `wrongType` (such as "must be a string") when it holds a value of another type.
 */
function required(wrongType: string): { error: (issue: { readonly input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : wrongType) };
}

function decimalPlaces(n: number): number {
  const text = n.toString();
  if (text.includes('e-')) return Number(text.split('e-')[1]) + (text.split('.')[1]?.split('e')[0]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

const orderIdSchema = z
  .string(required('must be a string'))
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(idPattern, 'may contain only letters, digits and . _ : -');

const itemSchema = z.strictObject(
  {
    sku: z
      .string(required('must be a string'))
      .min(1, 'must not be empty')
      .max(64, 'must be at most 64 characters')
      .regex(idPattern, 'may contain only letters, digits and . _ : -'),
    quantity: z
      .number(required('must be a number'))
      .int('must be a whole number')
      .positive('must be at least 1')
      .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
    unitPrice: z
      .number(required('must be a number'))
      .nonnegative('must not be negative')
      .max(MAX_UNIT_PRICE, `must be at most ${MAX_UNIT_PRICE}`),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : 'must be an object',
  },
);

export const orderSchema = z
  .strictObject(
    {
      orderId: orderIdSchema,
      customerId: z
        .string(required('must be a string'))
        .min(1, 'must not be empty')
        .max(128, 'must be at most 128 characters')
        .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
      items: z
        .array(itemSchema, required('must be an array'))
        .min(1, 'must hold at least one item')
        .max(MAX_ITEMS, `must hold at most ${MAX_ITEMS} items`),
      currency: z
        .string(required('must be a string'))
        .refine(
          (c) => minorUnits(c) !== undefined,
          'must be an ISO 4217 currency code in upper case, such as USD or EUR',
        ),
      createdAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' }).optional(),
      metadata: z
        .record(
          z.string().max(64),
          z.string({ error: 'must be a string' }).max(1024, 'must be at most 1024 characters'),
          {
            error: (issue) =>
              issue.code === 'invalid_key' ? 'key must be at most 64 characters' : 'must be an object of strings',
          },
        )
        .refine((m) => Object.keys(m).length <= 32, 'must hold at most 32 entries')
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : 'must be a JSON object',
    },
  )
  .superRefine((order, ctx) => {
    const digits = minorUnits(order.currency) ?? 2;
    const seen = new Map<string, number>();
    order.items.forEach((item, i) => {
      if (decimalPlaces(item.unitPrice) > digits) {
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'unitPrice'],
          message: `has more than ${digits} decimal place(s), the minor unit of ${order.currency}`,
        });
      }
      const first = seen.get(item.sku);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'sku'],
          message: `repeats items[${first}].sku; merge the lines`,
        });
      }
      seen.set(item.sku, i);
    });
  });

export type Order = z.infer<typeof orderSchema>;

/** Why a message can never become a valid order. */
export type OrderRejection =
  | { readonly kind: 'empty'; readonly detail: string }
  | { readonly kind: 'too-large'; readonly detail: string }
  | { readonly kind: 'not-json'; readonly detail: string }
  | { readonly kind: 'schema'; readonly detail: string; readonly issues: readonly string[] };

export type DecodeResult =
  { readonly ok: true; readonly order: Order } | { readonly ok: false; readonly rejection: OrderRejection };

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );
}

/** Validates a parsed value; each issue reads "field: rule". */
export function validateOrder(value: unknown): DecodeResult {
  const result = orderSchema.safeParse(value);
  if (result.success) return { ok: true, order: result.data };
  const issues = result.error.issues.map((issue) => `${formatPath(issue.path) || 'order'}: ${issue.message}`);
  return { ok: false, rejection: { kind: 'schema', detail: issues.join('; '), issues } };
}

/** Decodes and validates the bytes of a message. */
export function decodeOrder(bytes: Uint8Array): DecodeResult {
  if (bytes.length === 0) return { ok: false, rejection: { kind: 'empty', detail: 'the message has no payload' } };
  if (bytes.length > MAX_ORDER_BYTES) {
    return {
      ok: false,
      rejection: { kind: 'too-large', detail: `the payload is ${bytes.length} bytes; the limit is ${MAX_ORDER_BYTES}` },
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    return {
      ok: false,
      rejection: {
        kind: 'not-json',
        detail: `the payload is not UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`,
      },
    };
  }
  return validateOrder(value);
}
