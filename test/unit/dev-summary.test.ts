/**
 * dev's summary tells how to publish from another terminal in words that work where dev runs:
 * this repository's npm script only when npm runs dev from this repository (`npm start`), the
 * installed binary everywhere else (an installed project has no `orderflow` script); from the
 * same folder the command finds dev's servers by itself, from elsewhere through ORDERFLOW_DATA_DIR.
 */
import type { DevStack } from '../../local/dev/dev';
import { devSummary, orderflowCommand } from '../../local/dev/summary';

const CWD = '/home/me/shop';

const stack: DevStack = {
  nats: { servers: ['nats://127.0.0.1:41234'] },
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
  metrics: { url: 'http://127.0.0.1:9466' },
  dataDir: `${CWD}/.data`,
  logs: {},
  stop: () => Promise.resolve(),
};

const publishLine = (summary: string): string | undefined =>
  summary.split('\n').find((line) => line.includes(' publish --count 5'));

describe('dev - the summary it prints', () => {
  it('dev - run by `npm start` in this repository: the npm script, with no server address to copy', () => {
    const invocation = { npm_package_name: 'orderflow', npm_lifecycle_event: 'start' };
    expect(orderflowCommand(invocation)).toBe('npm run orderflow --');
    const summary = devSummary(stack, invocation, CWD);
    expect(publishLine(summary)).toBe('  npm run orderflow -- publish --count 5');
    expect(summary).toContain("In another terminal, from this folder (other commands find dev's servers in ./.data):");
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
    expect(publishLine(devSummary(stack, invocation, CWD))).toBe('  npx orderflow publish --count 5');
  });

  it('dev - with a data folder other than ./.data, the command names it in ORDERFLOW_DATA_DIR', () => {
    const elsewhere = { ...stack, dataDir: '/tmp/dev data' };
    const summary = devSummary(elsewhere, {}, CWD);
    expect(publishLine(summary)).toBe("  ORDERFLOW_DATA_DIR='/tmp/dev data' npx orderflow publish --count 5");
    expect(summary).toContain('from any folder');
    expect(publishLine(devSummary({ ...stack, dataDir: '/srv/dev' }, {}, CWD))).toBe(
      '  ORDERFLOW_DATA_DIR=/srv/dev npx orderflow publish --count 5',
    );
  });

  it('dev - the summary still lists the servers, the metrics, the topology and how to stop', () => {
    const summary = devSummary(stack, {}, CWD);
    expect(summary).toContain('  NATS        nats://127.0.0.1:41234  (started here)');
    expect(summary).toContain('  Temporal UI http://127.0.0.1:8233');
    expect(summary).toContain('  Dashboard   http://127.0.0.1:9470/');
    expect(summary).toContain('  Metrics     http://127.0.0.1:9466/metrics, /healthz, /readyz');
    expect(summary).toMatch(/ {2}stream {6}ORDERS {4}created/);
    expect(summary).toContain('Press Ctrl-C to stop.');
    const taken = devSummary({ ...stack, metrics: { url: 'http://127.0.0.1:40001', taken: 9466 } }, {}, CWD);
    expect(taken).toContain('  Metrics     http://127.0.0.1:40001/metrics, /healthz, /readyz  (9466 was taken)');
  });
});
