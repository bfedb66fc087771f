/**
 * dev's stop steps: a step that fails is logged and the rest still run, last added first, once.
 * The failure here is shaped like the one that once ended `orderflow dev` as an "unexpected
 * error" with an empty stack: nats.js rejects a drain whose server is gone with a RequestError
 * whose stack it blanks.
 */
import type { LogFields } from '../../shared/log';
import { createLogger } from '../../shared/log';
import { StopSteps } from '../../local/dev/stop-steps';

function stacklessError(message: string): Error {
  const err = new Error(message);
  err.name = 'RequestError';
  err.stack = '';
  return err;
}

describe('dev - stop steps', () => {
  it('dev - a failing stop step is logged and the steps before it still run, in reverse order, once', async () => {
    const lines: LogFields[] = [];
    const logger = createLogger({ format: 'json', write: (line) => lines.push(JSON.parse(line) as LogFields) });
    const ran: string[] = [];
    const steps = new StopSteps(logger);
    steps.add('nats-server', () => void ran.push('nats-server'));
    steps.add('NATS connection', () => Promise.reject(stacklessError('connection disconnected')));
    steps.add('bridge', async () => {
      await new Promise((r) => setTimeout(r, 10));
      ran.push('bridge');
    });

    await expect(Promise.all([steps.stop(), steps.stop()])).resolves.toEqual([undefined, undefined]);
    await steps.stop();

    expect(ran).toEqual(['bridge', 'nats-server']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'could not stop cleanly; going on with the rest',
        step: 'NATS connection',
        error: 'connection disconnected',
      }),
    ]);
  });

  it('dev - a step that throws synchronously does not stop the rest either', async () => {
    const ran: string[] = [];
    const steps = new StopSteps(createLogger({ write: () => undefined }));
    steps.add('data folder lock', () => void ran.push('lock'));
    steps.add('worker orderflow', () => {
      throw new Error('worker already gone');
    });
    await steps.stop();
    expect(ran).toEqual(['lock']);
  });
});
