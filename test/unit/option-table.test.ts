/**
 * The option table: how options are read (flag over env over default, errors naming where a bad
 * value came from), and that everything derived from it (help, README, the doc comments of
 * BridgeOptions / WorkerOptions and the other commands' options) says what the table says.
 */
import fs from 'node:fs';
import path from 'node:path';

import { Command, Option } from 'commander';

import { bridgeOptions, metricsSettings, workerOptions } from '../../shared/config/run-options';
import { helpText, markedTables, readmeTable, withReadmeTables } from '../../shared/config/option-doc';
import type { CommandName, OptionSpec } from '../../shared/config/option-table';
import { COMMAND_NAMES, defaultLabel, flagKey, flagName, OPTIONS, optionsOf } from '../../shared/config/option-table';
import { readOptions } from '../../shared/config/read-options';
import { addOptions } from '../../cli/table-flags';
import { buildProgram } from '../../cli/main';
import { configError } from '../harness/config';

const ROOT = path.join(__dirname, '..', '..');
const COMMANDS = COMMAND_NAMES;
const README = path.join(ROOT, 'README.md');

describe('option table - reading', () => {
  it('option table - with nothing set every option has its default', () => {
    expect(bridgeOptions({}, {})).toEqual({
      taskQueue: 'orderflow',
      stages: ['process', 'dispatch'],
      maxInFlight: 32,
      resultLongPolls: 100,
      maxDeliveries: 5,
      nakDelayMs: 2000,
      nakDelayMaxMs: 60_000,
      shutdownGraceMs: 30_000,
      fetchExpiresMs: 2000,
      stuckAfterMs: 300_000,
      stuckCheckMs: 10_000,
      workerCheckMs: 5000,
      workerStaleMs: 120_000,
      pauseLeaseMs: 30_000,
    });
    expect(workerOptions({}, {})).toEqual({
      taskQueue: 'orderflow',
      maxConcurrentActivities: 100,
      maxConcurrentWorkflowTasks: 40,
      shutdownGraceMs: 30_000,
    });
  });

  it('option table - a flag wins over the environment, the environment over the default', () => {
    const env = { ORDERFLOW_MAX_IN_FLIGHT: '7', ORDERFLOW_MAX_DELIVERIES: '9', ORDERFLOW_TASK_QUEUE: 'from-env' };
    const options = bridgeOptions({ maxInFlight: '3', taskQueue: 'from-flag' }, env);
    expect(options.maxInFlight).toBe(3);
    expect(options.taskQueue).toBe('from-flag');
    expect(options.maxDeliveries).toBe(9);
    expect(options.nakDelayMs).toBe(2000);
  });

  it('option table - an empty flag or variable counts as not set', () => {
    expect(bridgeOptions({ maxInFlight: '' }, { ORDERFLOW_MAX_IN_FLIGHT: '' }).maxInFlight).toBe(32);
    expect(workerOptions({}, { ORDERFLOW_FUNCTIONS: '' }).functions).toBeUndefined();
  });

  it('option table - worker flags are read under their own names (--max-activities, --max-workflow-tasks)', () => {
    const options = workerOptions({ maxActivities: '8', maxWorkflowTasks: '3' }, { ORDERFLOW_SHUTDOWN_GRACE_MS: '0' });
    expect(options.maxConcurrentActivities).toBe(8);
    expect(options.maxConcurrentWorkflowTasks).toBe(3);
    expect(options.shutdownGraceMs).toBe(0);
  });

  it('option table - a number out of range names the flag it came from, or the variable', () => {
    expect(configError(() => bridgeOptions({ maxInFlight: '0' }, {})).message).toBe(
      '--max-in-flight: "0" is not a whole number from 1 to 10000; give a number in that range',
    );
    expect(configError(() => bridgeOptions({}, { ORDERFLOW_NAK_DELAY_MS: '1.5' })).message).toBe(
      'ORDERFLOW_NAK_DELAY_MS: "1.5" is not a whole number from 0 to 3600000; give a number in that range',
    );
    expect(configError(() => workerOptions({ maxWorkflowTasks: '1' }, {})).setting).toBe('--max-workflow-tasks');
    expect(configError(() => workerOptions({}, { ORDERFLOW_MAX_ACTIVITIES: '-4' })).setting).toBe(
      'ORDERFLOW_MAX_ACTIVITIES',
    );
  });

  it('option table - the largest nak delay is never below the first', () => {
    expect(bridgeOptions({ nakDelayMs: '5000', nakDelayMaxMs: '1000' }, {}).nakDelayMaxMs).toBe(5000);
  });

  it('option table - stages and task queue keep their messages', () => {
    const stages = configError(() => bridgeOptions({}, { ORDERFLOW_STAGES: 'process,pack,ship' }));
    expect(stages.message).toBe('ORDERFLOW_STAGES: unknown stage(s) pack, ship; use process, dispatch');
    expect(bridgeOptions({ stages: ' dispatch ' }, {}).stages).toEqual(['dispatch']);
    expect(configError(() => workerOptions({ taskQueue: 'a queue' }, {})).message).toBe(
      '--task-queue: "a queue" is not a task queue name; use letters, digits and . _ : -',
    );
  });

  it('option table - --functions takes a JavaScript or TypeScript file, for bridge and worker, with no default', () => {
    for (const file of ['pipeline.js', './lib/pipeline.mjs', '/abs/p.cjs', 'src/functions.ts', 'p.mts', 'p.cts']) {
      expect(workerOptions({ functions: file }, {}).functions).toBe(file);
      expect(bridgeOptions({}, { ORDERFLOW_FUNCTIONS: file }).functions).toBe(file);
    }
    expect(workerOptions({}, {}).functions).toBeUndefined();
    expect(configError(() => workerOptions({ functions: 'pipeline.tsx' }, {})).message).toBe(
      '--functions: "pipeline.tsx" is not a JavaScript or TypeScript module; name a .js, .mjs, .cjs, .ts, .mts or .cts file',
    );
    expect(configError(() => bridgeOptions({}, { ORDERFLOW_FUNCTIONS: 'pipeline' })).setting).toBe(
      'ORDERFLOW_FUNCTIONS',
    );
  });

  it('option table - --build-id is 1 to 128 letters, digits and . _ + - @ /, for the worker only', () => {
    expect(workerOptions({ buildId: 'shop-1.4.0+a1b2_c' }, {}).buildId).toBe('shop-1.4.0+a1b2_c');
    expect(workerOptions({ buildId: '@acme/shop@1.4.0+a1b2c3d4' }, {}).buildId).toBe('@acme/shop@1.4.0+a1b2c3d4');
    expect(workerOptions({}, { ORDERFLOW_BUILD_ID: 'x'.repeat(128) }).buildId).toBe('x'.repeat(128));
    expect(workerOptions({}, {}).buildId).toBeUndefined();
    expect(configError(() => workerOptions({}, { ORDERFLOW_BUILD_ID: 'x'.repeat(129) })).setting).toBe(
      'ORDERFLOW_BUILD_ID',
    );
    expect(configError(() => workerOptions({ buildId: 'a b' }, {})).message).toBe(
      '--build-id: "a b" is not a build ID; use 1 to 128 letters, digits and . _ + - @ /',
    );
    expect('buildId' in bridgeOptions({ buildId: 'b1' }, {})).toBe(false);
  });

  it('option table - metrics: port per command, `off` for none, a bad port names where it came from', () => {
    expect(metricsSettings({}, {}, 'bridge')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(metricsSettings({}, {}, 'dev')).toEqual({ host: '127.0.0.1', port: 9466 });
    // A port named says by what: taken, it is an error naming that; the default is not named.
    expect(metricsSettings({}, { ORDERFLOW_METRICS_PORT: '9000' }, 'worker').portNamedBy).toBe(
      'ORDERFLOW_METRICS_PORT',
    );
    expect(metricsSettings({ metricsPort: '9001' }, {}, 'worker').portNamedBy).toBe('--metrics-port');
    expect(metricsSettings({ metricsPort: '0' }, { ORDERFLOW_METRICS_PORT: '9000' }, 'worker').port).toBe(0);
    expect(metricsSettings({}, { ORDERFLOW_METRICS_PORT: 'off', ORDERFLOW_METRICS_HOST: '0.0.0.0' }, 'worker')).toEqual(
      {
        host: '0.0.0.0',
      },
    );
    expect(configError(() => metricsSettings({ metricsPort: '70000' }, {}, 'bridge')).message).toBe(
      '--metrics-port: "70000" is not a whole number from 0 to 65535; give a number in that range',
    );
  });
});

describe('option table - the other commands read theirs the same way', () => {
  it('option table - a log level or format it does not know names the flag or the variable', () => {
    expect(configError(() => readOptions('global', { logLevel: 'loud' }, {})).message).toBe(
      '--log-level: "loud" is not a log level; use one of debug, info, warn, error',
    );
    expect(configError(() => readOptions('global', {}, { ORDERFLOW_LOG_FORMAT: 'xml' })).message).toBe(
      'ORDERFLOW_LOG_FORMAT: "xml" is not a log format; use json or pretty',
    );
    expect(readOptions('global', {}, {})).toMatchObject({ logLevel: 'info' });
  });

  it('option table - dashboard: flag over ORDERFLOW_DASHBOARD_* over default; the UI without trailing slash', () => {
    expect(readOptions('dashboard', {}, {})).toEqual({
      dashboardHost: '127.0.0.1',
      dashboardPort: 9470,
      temporalUiUrl: 'http://127.0.0.1:8233',
    });
    const env = { ORDERFLOW_DASHBOARD_PORT: '9999', ORDERFLOW_TEMPORAL_UI_URL: 'https://ui.example/' };
    expect(readOptions('dashboard', { port: '0' }, env)).toMatchObject({
      dashboardPort: 0,
      temporalUiUrl: 'https://ui.example',
    });
    expect(configError(() => readOptions('dashboard', {}, { ORDERFLOW_DASHBOARD_PORT: '65536' })).message).toBe(
      'ORDERFLOW_DASHBOARD_PORT: "65536" is not a whole number from 0 to 65535; give a number in that range',
    );
    expect(configError(() => readOptions('dashboard', { temporalUiUrl: 'ftp://x' }, {})).setting).toBe(
      '--temporal-ui-url',
    );
  });

  it('option table - switches, their --no- form, a repeated flag and numbers of the operator commands', () => {
    expect(readOptions('provision', {}, {}).searchAttributes).toBeUndefined();
    expect(readOptions('provision', { searchAttributes: 'false', replicas: '3' }, {})).toEqual({
      searchAttributes: false,
      replicas: 3,
    });
    expect(readOptions('publish', { item: ['A:1:2', 'B:1:3'] }, {})).toEqual({
      currency: 'EUR',
      item: ['A:1:2', 'B:1:3'],
    });
    expect(configError(() => readOptions('provision', { takeoverAfter: '2' }, {})).message).toBe(
      '--takeover-after: "2" is not a whole number from 3 to 3600; give a number in that range',
    );
    expect(configError(() => readOptions('status', { seq: '0' }, {})).setting).toBe('--seq');
    expect(readOptions('dev', {}, {})).toEqual({
      dataDir: './.data',
      demoOrders: 3,
      metricsPort: 9466,
      metricsHost: '127.0.0.1',
    });
    expect(readOptions('dev', {}, { ORDERFLOW_DATA_DIR: '/srv/dev' }).dataDir).toBe('/srv/dev');
  });
});

describe('option table - what is derived from it', () => {
  it('option table - README.md holds exactly the bridge and worker tables the option table renders', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme).toContain(`\n${readmeTable('bridge')}\n`);
    expect(readme).toContain(`\n${readmeTable('worker')}\n`);
  });

  // UPDATE_README=1 npx jest test/unit/option-table.test.ts renders the marked tables anew.
  it("option table - every table README.md marks is rendered from the table, and every command's options have one", () => {
    const readme = fs.readFileSync(README, 'utf8');
    if (process.env.UPDATE_README === '1') fs.writeFileSync(README, withReadmeTables(readme));
    expect(withReadmeTables(readme)).toBe(readme);
    const marked = markedTables(readme).flat().sort();
    expect(marked).toEqual(COMMANDS.filter((name) => optionsOf(name).length > 0).sort());
  });

  it('option table - no command of `orderflow` has a flag the table does not define', () => {
    const flagsOf = (command: Command): string[] =>
      command.options.map((o) => o.long ?? '').filter((f) => f !== '--help');
    const visit = (command: Command, path: readonly string[]): Array<[string, string[]]> => [
      [path.join(' ') || 'global', flagsOf(command)],
      ...command.commands.flatMap((sub) => visit(sub, [...path, sub.name()])),
    ];
    for (const [name, flags] of visit(buildProgram(), [])) {
      const table = COMMANDS.find((known) => known === name)
        ? optionsOf(name as CommandName).flatMap(([, spec]) => [
            flagName(spec),
            ...(spec.negation === undefined ? [] : [flagName(spec).replace(/^--/, '--no-')]),
          ])
        : [];
      expect([name, flags.sort()]).toEqual([name, table.sort()]);
    }
  });

  it.each(COMMANDS)('option table - `%s --help` lists each of its flags once, with env and default', (name) => {
    const help = addOptions(new Command(name), name).helpInformation();
    for (const [, spec] of optionsOf(name)) {
      // Counted where a line defines it: other flags' help may name it (`with --standby: ...`).
      const defines = new RegExp(`^\\s+${flagName(spec)}(?![\\w-])`);
      expect(help.split('\n').filter((line) => defines.test(line))).toHaveLength(1);
      // Commander wraps help lines; compare with the whitespace folded.
      const text = helpText(spec, name);
      expect(help.replace(/\s+/g, ' ')).toContain(text.replace(/\s+/g, ' '));
      if (spec.env !== undefined) expect(text).toContain(`[env: ${spec.env}]`);
      if (defaultLabel(spec, name) !== undefined) expect(text).toMatch(/\(default: [^)]+\)$/);
    }
  });

  it('option table - help for the task queue says what it is to each command', () => {
    expect(helpText(OPTIONS.taskQueue, 'bridge')).toBe(
      'Temporal task queue of the stage workflows [env: ORDERFLOW_TASK_QUEUE] (default: orderflow)',
    );
    expect(helpText(OPTIONS.taskQueue, 'worker')).toBe(
      "queue this worker serves: the pipeline's queue (stage workflows and functions without a queue of their own), " +
        'or a queue your functions name, to host only those [env: ORDERFLOW_TASK_QUEUE] (default: orderflow)',
    );
    expect(helpText(OPTIONS.functions, 'dev')).toBe(
      'your pipeline module (.js, .mjs, .cjs, or TypeScript: .ts, .mts, .cts) [env: ORDERFLOW_FUNCTIONS] (default: the built-in demo)',
    );
    expect(helpText(OPTIONS.metricsPort, 'worker')).toMatch(/\[env: ORDERFLOW_METRICS_PORT\] \(default: 9465\)$/);
    expect(helpText(OPTIONS.natsUrl, 'global')).toBe(
      "NATS server(s), comma-separated; when unset, a nats context's url, else a running orderflow dev's " +
        '[env: NATS_URL] (default: nats://127.0.0.1:4222)',
    );
  });

  it('option table - each entry is consistent: flag key as commander reads it, env name, unit, help per command', () => {
    const flags = new Map<string, Set<string>>();
    for (const [key, spec] of Object.entries(OPTIONS) as Array<[string, OptionSpec<unknown>]>) {
      expect(flagKey(spec)).toBe(new Option(spec.flag).attributeName());
      // A flag is one option per command; two commands may give one flag different meanings (--subject).
      for (const command of spec.commands) {
        const taken = flags.get(command) ?? new Set<string>();
        expect([command, taken.has(flagName(spec))]).toEqual([command, false]);
        flags.set(command, taken.add(flagName(spec)));
      }
      // ORDERFLOW_<FLAG>, ORDERFLOW_<COMMAND>_<FLAG>, or the ecosystem's own for --nats-* and --temporal-*.
      const words = flagName(spec).slice(2).replace(/-/g, '_').toUpperCase();
      const names = [`ORDERFLOW_${words}`, ...spec.commands.map((c) => `ORDERFLOW_${c.toUpperCase()}_${words}`)];
      if (/^(NATS|TEMPORAL)_/.test(words)) names.push(words);
      if (spec.env !== undefined) expect(names).toContain(spec.env);
      const placeholder = spec.flag.split(' ')[1];
      if (spec.unit === 'ms') expect([flagName(spec).endsWith('-ms'), placeholder]).toEqual([true, '<ms>']);
      if (spec.unit === 'count') expect(placeholder).toBe('<n>');
      if (spec.unit === 'seq') expect(placeholder).toBe('<n>');
      if (spec.unit === 's') expect(placeholder).toBe('<s>');
      if (spec.unit === undefined) expect(['<ms>', '<n>', '<s>']).not.toContain(placeholder);
      for (const command of spec.commands) expect(() => helpText(spec, command)).not.toThrow();
      expect(key).toMatch(/^[a-z][A-Za-z]+$/);
    }
  });

  it("option table - each entry's doc comment (the doc of its BridgeOptions / WorkerOptions field) states its default", () => {
    const dir = path.join(ROOT, 'shared', 'config');
    const files = fs.readdirSync(dir).filter((f) => /^option-table.*\.ts$/.test(f));
    const source = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    for (const [key, spec] of Object.entries(OPTIONS) as Array<[string, OptionSpec<unknown>]>) {
      const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*${key}: option\\(`).exec(source)?.[1];
      expect([key, doc?.replace(/\s*\*\s*/g, ' ')]).toEqual([
        key,
        expect.stringContaining(`Default: ${defaultLabel(spec) ?? 'none'}.`),
      ]);
      if (spec.unit === 'ms') expect([key, doc]).toEqual([key, expect.stringContaining('in ms')]);
      if (spec.unit === 's') expect([key, doc]).toEqual([key, expect.stringContaining('in s')]);
    }
  });
});
