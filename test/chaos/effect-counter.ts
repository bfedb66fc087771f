/**
 * Side effects counted outside the process that applies them: the chaos worker reports every
 * effect its store applied (create-if-absent succeeded) to a small HTTP server in the chaos
 * runner, so an effect applied twice shows even if the effects bucket itself forgot the first.
 */
import http from 'node:http';

export interface AppliedEffect {
  /** Key in the effects bucket (workflows/names/keys.ts says what it holds). */
  readonly key: string;
  /** Which worker applied it (its label, e.g. worker-1). */
  readonly worker: string;
  /** Stream sequence of the effects bucket's entry (its KV revision). */
  readonly kvRevision: number;
}

export interface EffectCounter {
  readonly url: string;
  /** Every report received, in arrival order. */
  readonly applied: readonly AppliedEffect[];
  close(): Promise<void>;
}

export async function startEffectCounter(): Promise<EffectCounter> {
  const applied: AppliedEffect[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        applied.push(JSON.parse(body) as AppliedEffect);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('effect counter has no port');
  return {
    url: `http://127.0.0.1:${address.port}/applied`,
    applied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Reports one applied effect; a few tries, then false: a missing report can only hide
 * a duplicate, never invent one, and must not fail the activity that applied the effect.
 */
export async function reportApplied(url: string, effect: AppliedEffect): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: JSON.stringify(effect),
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(2000),
      });
      if (res.ok) return true;
    } catch {
      // the runner is busy or gone; try again
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  return false;
}
