/**
 * dev's summary tells how to publish from another terminal in words that work where dev runs:
 * this repository's npm script only when npm runs dev from this repository (`npm start`), the
 * installed binary everywhere else (an installed project has no `orderflow` script).
 */
import type { DevStack } from '../../local/dev/dev';
import { devSummary, orderflowCommand } from '../../local/dev/summary';

const stack: DevStack = {
  nats: { servers: ['nats://127.0.0.1:4222'] },
  natsStarted: true,
  temporal: { address: '127.0.0.1:7233', namespace: 'default', uiUrl: 'http://127.0.0.1:8233' },
  temporalStarted: true,
  provision: {
    serverVersion: '2.12.2',
    objects: [{ kind: 'stream', name: 'ORDERS', state: 'missing', drift: [], action: 'create', remaining: [] }],
    inSync: true,
    changed: true,
  },
  demo: [],
  dashboard: { url: 'http://127.0.0.1:9470/' },
  logs: {},
  stop: () => Promise.resolve(),
};

const publishLine = (summary: string): string | undefined =>
  summary.split('\n').find((line) => line.includes(' publish --count 5'));

describe('dev - the summary it prints', () => {
  it('dev - run by `npm start` in this repository: the npm script', () => {
    const invocation = { npm_package_name: 'orderflow', npm_lifecycle_event: 'start' };
    expect(orderflowCommand(invocation)).toBe('npm run orderflow --');
    expect(publishLine(devSummary(stack, invocation))).toBe(
      '  NATS_URL=nats://127.0.0.1:4222 TEMPORAL_ADDRESS=127.0.0.1:7233 npm run orderflow -- publish --count 5',
    );
  });

  it('dev - run by this repository`s `npm run orderflow -- dev`: the npm script too', () => {
    expect(orderflowCommand({ npm_package_name: 'orderflow', npm_lifecycle_event: 'orderflow' })).toBe(
      'npm run orderflow --',
    );
  });

  it.each([
    ['run directly (npx orderflow dev, or the binary)', {}],
    ['run by an installed project`s own npm script', { npm_package_name: 'my-shop', npm_lifecycle_event: 'dev' }],
    ['with a package name but no npm script running', { npm_package_name: 'orderflow' }],
  ])('dev - %s: npx orderflow', (_how, invocation) => {
    expect(orderflowCommand(invocation)).toBe('npx orderflow');
    expect(publishLine(devSummary(stack, invocation))).toBe(
      '  NATS_URL=nats://127.0.0.1:4222 TEMPORAL_ADDRESS=127.0.0.1:7233 npx orderflow publish --count 5',
    );
  });

  it('dev - the summary still lists the servers, the topology and how to stop', () => {
    const summary = devSummary(stack, {});
    expect(summary).toContain('  NATS        nats://127.0.0.1:4222  (started here)');
    expect(summary).toContain('  Temporal UI http://127.0.0.1:8233');
    expect(summary).toContain('  Dashboard   http://127.0.0.1:9470/');
    expect(summary).toMatch(/ {2}stream {6}ORDERS {4}created/);
    expect(summary).toContain('Press Ctrl-C to stop.');
  });
});
