/**
 * The option table: how bridge and worker options are read (flag over env over default, errors
 * naming where a bad value came from), and that everything derived from it (help, README, the
 * doc comments of BridgeOptions / WorkerOptions) says what the table says.
 */
import fs from 'node:fs';
import path from 'node:path';

import { Command, Option } from 'commander';

import { bridgeOptions, metricsSettings, workerOptions } from '../../shared/config/run-options';
import { helpText, readmeTable } from '../../shared/config/option-doc';
import type { CommandName } from '../../shared/config/option-table';
import { defaultLabel, flagKey, flagName, OPTIONS, optionsOf } from '../../shared/config/option-table';
import { addOptions } from '../../cli/table-flags';
import { ConfigError } from '../../shared/errors';

const ROOT = path.join(__dirname, '..', '..');
const COMMANDS: readonly CommandName[] = ['bridge', 'worker', 'dev'];

/** The ConfigError `fn` throws; fails the test when it returns or throws anything else. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('option table - reading', () => {
  it('option table - with nothing set every option has its default', () => {
    expect(bridgeOptions({}, {})).toEqual({
      taskQueue: 'orderflow',
      stages: ['process', 'dispatch'],
      maxInFlight: 32,
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

  it('option table - --functions takes a .js, .mjs or .cjs file, for bridge and worker, with no default', () => {
    for (const file of ['pipeline.js', './lib/pipeline.mjs', '/abs/p.cjs']) {
      expect(workerOptions({ functions: file }, {}).functions).toBe(file);
      expect(bridgeOptions({}, { ORDERFLOW_FUNCTIONS: file }).functions).toBe(file);
    }
    expect(workerOptions({}, {}).functions).toBeUndefined();
    expect(configError(() => workerOptions({ functions: 'pipeline.ts' }, {})).message).toBe(
      '--functions: "pipeline.ts" is not a .js, .mjs or .cjs file; name a .js, .mjs or .cjs file',
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
    expect(metricsSettings({}, {}, 9464)).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(metricsSettings({ metricsPort: '0' }, { ORDERFLOW_METRICS_PORT: '9000' }, 9465).port).toBe(0);
    expect(metricsSettings({}, { ORDERFLOW_METRICS_PORT: 'off', ORDERFLOW_METRICS_HOST: '0.0.0.0' }, 9465)).toEqual({
      host: '0.0.0.0',
    });
    expect(configError(() => metricsSettings({ metricsPort: '70000' }, {}, 9464)).message).toBe(
      '--metrics-port: "70000" is not a whole number from 0 to 65535; give a number in that range',
    );
  });
});

describe('option table - what is derived from it', () => {
  it('option table - README.md holds exactly the bridge and worker tables the option table renders', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`\n${readmeTable('bridge')}\n`);
    expect(readme).toContain(`\n${readmeTable('worker')}\n`);
  });

  it.each(COMMANDS)('option table - `%s --help` lists each of its flags once, with env and default', (name) => {
    const help = addOptions(new Command(name), name).helpInformation();
    for (const [, spec] of optionsOf(name)) {
      expect(help.split(flagName(spec)).length - 1).toBe(1);
      // Commander wraps help lines; compare with the whitespace folded.
      const text = helpText(spec, name);
      expect(help.replace(/\s+/g, ' ')).toContain(text.replace(/\s+/g, ' '));
      expect(text).toContain(`[env: ${spec.env}]`);
      if (defaultLabel(spec) !== undefined) expect(text).toMatch(/\(default: [^)]+\)$/);
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
      'your pipeline module (.js, .mjs, .cjs) [env: ORDERFLOW_FUNCTIONS] (default: the built-in demo)',
    );
  });

  it('option table - each entry is consistent: flag key as commander reads it, env name, unit, help per command', () => {
    const flags = new Set<string>();
    for (const [key, spec] of Object.entries(OPTIONS)) {
      expect(flagKey(spec)).toBe(new Option(spec.flag).attributeName());
      expect(flags.has(spec.flag)).toBe(false);
      flags.add(spec.flag);
      expect(spec.env).toBe(`ORDERFLOW_${flagName(spec).slice(2).replace(/-/g, '_').toUpperCase()}`);
      const placeholder = spec.flag.split(' ')[1];
      if (spec.unit === 'ms') expect([flagName(spec).endsWith('-ms'), placeholder]).toEqual([true, '<ms>']);
      if (spec.unit === 'count') expect(placeholder).toBe('<n>');
      if (spec.unit === undefined) expect(['<ms>', '<n>']).not.toContain(placeholder);
      for (const command of spec.commands) expect(() => helpText(spec, command)).not.toThrow();
      expect(key).toMatch(/^[a-z][A-Za-z]+$/);
    }
  });

  it("option table - each entry's doc comment (the doc of its BridgeOptions / WorkerOptions field) states its default", () => {
    const source = fs.readFileSync(path.join(ROOT, 'shared', 'config', 'option-table.ts'), 'utf8');
    for (const [key, spec] of Object.entries(OPTIONS)) {
      const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*${key}: option\\(`).exec(source)?.[1];
      expect([key, doc?.replace(/\s*\*\s*/g, ' ')]).toEqual([
        key,
        expect.stringContaining(`Default: ${defaultLabel(spec) ?? 'none'}.`),
      ]);
      if (spec.unit === 'ms') expect([key, doc]).toEqual([key, expect.stringContaining('in ms')]);
    }
  });
});
