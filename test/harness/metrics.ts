/** Reading a bridge's or a worker's /metrics as tests do: one sample out of Prometheus's text format. */

/**
 * The value of the first sample of `name` whose labels include `labels` (one or more `key="value"`
 * pairs as they are printed, e.g. `stage="process"`), in the text a /metrics endpoint served;
 * NaN when there is none, so a wait for a value keeps waiting and an expectation names the miss.
 */
export function metric(body: string, name: string, labels: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}
