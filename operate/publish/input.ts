/**
 * Reading orders from what a user hands `orderflow publish`: a JSON document (one order or an
 * array of them), JSON lines, or flags. Everything is validated before anything is published.
 */
import { InvalidInputError } from '../../shared/errors';
import type { Order } from '../../shared/orders/schema';
import { validateOrder } from '../../shared/orders/schema';

interface Candidate {
  /** Where the value came from, for messages: "orders.json, order 3". */
  readonly label: string;
  readonly value: unknown;
}

/** Splits a text into order candidates: a JSON object or array, or one JSON value per line. */
export function parseOrderText(text: string, source: string): Candidate[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidInputError(`${source} holds no orders`);
  try {
    const whole: unknown = JSON.parse(trimmed);
    return Array.isArray(whole)
      ? (whole as unknown[]).map((value, i) => ({ label: `${source}, order ${i + 1}`, value }))
      : [{ label: source, value: whole }];
  } catch {
    // not one JSON document: read it as JSON lines
  }
  const candidates: Candidate[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      candidates.push({ label: `${source}, line ${i + 1}`, value: JSON.parse(line) });
    } catch (err) {
      problems.push(`${source}, line ${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  });
  if (problems.length) throw invalid(problems);
  return candidates;
}

function invalid(problems: readonly string[]): InvalidInputError {
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
  return new InvalidInputError(`nothing was published; fix these and try again:\n  ${shown.join('\n  ')}${more}`);
}

/** Validates every candidate; throws one InvalidInputError listing every problem. */
export function validateCandidates(candidates: readonly Candidate[]): Order[] {
  const orders: Order[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { label, value } of candidates) {
    const result = validateOrder(value);
    if (!result.ok) {
      problems.push(
        ...(result.rejection.kind === 'schema' ? result.rejection.issues : [result.rejection.detail]).map(
          (p) => `${label}: ${p}`,
        ),
      );
      continue;
    }
    const earlier = seen.get(result.order.orderId);
    if (earlier !== undefined) {
      problems.push(`${label}: orderId "${result.order.orderId}" repeats ${earlier}; each order needs its own ID`);
      continue;
    }
    seen.set(result.order.orderId, label);
    orders.push(result.order);
  }
  if (problems.length) throw invalid(problems);
  return orders;
}

/**
 * `sku:quantity:unitPrice`, as given to `--item`. A SKU may itself contain ':' (the schema allows
 * it), so the last two parts are quantity and unitPrice and everything before them is the SKU.
 */
export function parseItemFlag(value: string): { sku: string; quantity: number; unitPrice: number } {
  const parts = value.split(':');
  const unitPrice = parts.pop();
  const quantity = parts.pop();
  const sku = parts.join(':');
  if (unitPrice === undefined || quantity === undefined || [sku, quantity, unitPrice].some((p) => p.trim() === '')) {
    throw new InvalidInputError(`--item "${value}": expected sku:quantity:unitPrice, for example KB-101:2:49.90`);
  }
  return { sku, quantity: Number(quantity), unitPrice: Number(unitPrice) };
}

/**
 * The `--metadata key=value` flags as the order's `metadata` (string values, as the schema has
 * them): split at the first `=`, so a value may itself hold `=`. A key given twice is refused,
 * not silently overwritten. The schema checks the sizes (keys, values, entries) with the order.
 */
export function parseMetadataFlags(values: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) {
      throw new InvalidInputError(`--metadata "${value}": expected key=value, for example channel=web`);
    }
    const key = value.slice(0, at);
    if (Object.hasOwn(metadata, key)) {
      throw new InvalidInputError(`--metadata "${value}": key ${key} is given twice; give each key once`);
    }
    metadata[key] = value.slice(at + 1);
  }
  return metadata;
}
