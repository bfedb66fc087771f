/**
 * Loading a user's pipeline module from the command line: ES modules and CommonJS alike, in
 * JavaScript or TypeScript (compiled by tsx as it loads), and every way a module can be wrong as
 * one line and exit 2, naming the user's line, before any server is contacted (no servers run
 * here: NATS_URL points at a closed port, so reaching for one would fail differently).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from '../harness/paths';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { PackageType } from '../harness/packed';
import { projectLinkedToOrderflow, removeProject } from '../harness/packed';
import { COMMONJS_PIPELINE, positionOf, TYPED_LIB, typedPipeline } from '../fixtures/typescript-modules';

const API = path.join(ROOT, 'dist/activities/index.js');
const NO_SERVERS = { NATS_URL: 'nats://127.0.0.1:1', TEMPORAL_ADDRESS: '127.0.0.1:1' };
/** Every command that takes --functions; dev gets a data folder of its own under the test's. */
const COMMANDS = (dir: string): string[][] => [
  ['worker'],
  ['bridge'],
  ['dev', '--data-dir', path.join(dir, 'dev-data')],
  ['plan'],
];
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('functions module - loading a pipeline module', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-modules-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      'an ES module',
      'esm.mjs',
      `import { defineFunction, definePipeline } from ${JSON.stringify(API)};\n` +
        `export default definePipeline({ process: [defineFunction({ name: 'reserve', run: async () => 1 }), defineFunction({ name: 'charge', taskQueue: 'payments', run: async () => 2 })], dispatch: [defineFunction({ name: 'ship', run: async () => 3 })] });\n`,
    ],
    [
      'CommonJS with module.exports',
      'plain.cjs',
      `const { defineFunction, definePipeline } = require(${JSON.stringify(API)});\n` +
        `module.exports = definePipeline({ process: [defineFunction({ name: 'reserve', run: async () => 1 }), defineFunction({ name: 'charge', taskQueue: 'payments', run: async () => 2 })], dispatch: [defineFunction({ name: 'ship', run: async () => 3 })] });\n`,
    ],
    [
      'CommonJS built from ES syntax (exports.default)',
      'built.js',
      `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nconst o = require(${JSON.stringify(API)});\n` +
        `exports.default = o.definePipeline({ process: [o.defineFunction({ name: 'reserve', run: async () => 1 }), o.defineFunction({ name: 'charge', taskQueue: 'payments', run: async () => 2 })], dispatch: [o.defineFunction({ name: 'ship', run: async () => 3 })] });\n`,
    ],
  ])('functions module - %s loads: plan shows each stage and the workers needed', async (_what, name, text) => {
    const file = write(name, text);
    const result = await runCli(['plan', '--functions', file, '--json'], { env: NO_SERVERS });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as {
      plans: Record<string, { functions: Array<{ name: string; taskQueue: string }> }>;
      queues: string[];
    };
    expect(shown.plans.process!.functions.map((f) => `${f.name}@${f.taskQueue}`)).toEqual([
      'reserve@orderflow',
      'charge@payments',
    ]);
    expect(shown.plans.dispatch!.functions.map((f) => f.name)).toEqual(['ship']);
    expect(shown.queues).toEqual(['orderflow', 'payments']);
  });

  /** The one line for a module that fails at `position` of `file`. */
  const failedAt = (file: string, position: string, rest: string): RegExp =>
    new RegExp(
      `^orderflow: functions module ${escaped(file)}: failed to load at ${escaped(file)}:${position}: ${rest}\n$`,
    );

  const TWICE = `import { defineFunction as f, definePipeline } from ${JSON.stringify(API)};\nexport default definePipeline({ process: [f({ name: 'a', run: () => 1 })], dispatch: [f({ name: 'a', run: () => 2 })] });\n`;
  const THROWS = "throw new Error('boom at load');\n";
  it.each([
    [
      'names a function twice',
      'twice.mjs',
      TWICE,
      (file: string) =>
        failedAt(
          file,
          positionOf(TWICE, 'definePipeline({'),
          'pipeline dispatch: names function a again \\(also in process\\); name each function once; fix the definition',
        ),
    ],
    [
      'exports no pipeline',
      'none.cjs',
      'module.exports = { hello: 1 };\n',
      () => /^orderflow: functions module .*none\.cjs: exports no pipeline; make its default export definePipeline/,
    ],
    [
      'throws when loaded',
      'throws.js',
      THROWS,
      (file: string) =>
        failedAt(file, positionOf(THROWS, 'new Error'), 'boom at load; fix the error it throws when loaded'),
    ],
    [
      'has a syntax error',
      'broken.mjs',
      'export default {\n',
      () => /^orderflow: functions module .*broken\.mjs: failed to load: /,
    ],
    ['does not exist', undefined, '', () => /^orderflow: functions module .*missing\.js: no such file/],
  ])(
    'functions module - a module that %s: one line, exit 2, for worker, bridge, dev and plan',
    async (_what, name, text, message) => {
      const file = name ? write(name, text) : path.join(dir, 'missing.js');
      for (const command of COMMANDS(dir)) {
        const result = await runCli([...command, '--functions', file], { env: NO_SERVERS });
        expect([command[0], result.code]).toEqual([command[0], 2]);
        expect(result.stderr).toMatch(message(file));
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expectNoStackTrace(result);
      }
    },
  );

  it('functions module - ORDERFLOW_FUNCTIONS names the module when the flag does not; neither JavaScript nor TypeScript is refused', async () => {
    const viaEnv = await runCli(['worker'], {
      env: { ...NO_SERVERS, ORDERFLOW_FUNCTIONS: path.join(dir, 'gone.mjs') },
    });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toMatch(/functions module .*gone\.mjs: no such file/);
    const other = await runCli(['worker', '--functions', 'pipeline.py'], { env: NO_SERVERS });
    expect(other.code).toBe(2);
    expect(other.stderr).toBe(
      'orderflow: --functions: "pipeline.py" is not a JavaScript or TypeScript module; name a .js, .mjs, .cjs, .ts, .mts or .cts file\n',
    );
  });
});

/**
 * TypeScript modules in a user's project (package.json and node_modules/orderflow there), as ES
 * modules or CommonJS the way Node would read the same file as JavaScript: .mts and .cts by their
 * extension, .ts by the package's `type`.
 */
describe('functions module - a TypeScript module', () => {
  const projects: string[] = [];
  const project = (type: PackageType, files: Record<string, string>): string => {
    const dir = projectLinkedToOrderflow(`orderflow-ts-${type}`, type);
    projects.push(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };
  afterAll(() => projects.forEach(removeProject));

  it.each<[string, PackageType, string, Record<string, string>]>([
    [
      '.ts in a `type: module` project, importing ./lib.js, with top-level await',
      'module',
      'functions.ts',
      { 'functions.ts': typedPipeline('./lib.js', true), 'lib.ts': TYPED_LIB },
    ],
    [
      '.ts in a CommonJS project, importing ./lib',
      'commonjs',
      'functions.ts',
      { 'functions.ts': typedPipeline('./lib'), 'lib.ts': TYPED_LIB },
    ],
    [
      '.mts in a CommonJS project, importing ./lib.mjs, with top-level await',
      'commonjs',
      'functions.mts',
      { 'functions.mts': typedPipeline('./lib.mjs', true), 'lib.mts': TYPED_LIB },
    ],
    [
      '.cts (import = require, export =) in a `type: module` project',
      'module',
      'functions.cts',
      { 'functions.cts': COMMONJS_PIPELINE },
    ],
  ])(
    'functions module - %s loads: plan shows its functions, worker, bridge and dev go on to connect',
    async (_what, type, name, files) => {
      const file = path.join(project(type, files), name);
      const plan = await runCli(['plan', '--functions', file, '--json'], { env: NO_SERVERS });
      expect([plan.stderr, plan.code]).toEqual(['', 0]);
      const shown = JSON.parse(plan.stdout) as {
        plans: Record<string, { functions: Array<{ name: string; taskQueue: string }> }>;
      };
      expect(Object.values(shown.plans).map((p) => p.functions.map((f) => `${f.name}@${f.taskQueue}`))).toEqual([
        ['reserve@orderflow', 'charge@payments'],
        ['ship@orderflow'],
      ]);
      // Loaded, they reach for NATS: exit 3 and its one line, where a module error is exit 2.
      for (const command of COMMANDS(path.dirname(file)).filter(([verb]) => verb !== 'plan')) {
        const result = await runCli([...command, '--functions', file], { env: NO_SERVERS });
        expect([command[0], result.code, result.stderr.split('\n').at(-2)]).toEqual([
          command[0],
          3,
          expect.stringMatching(/^orderflow: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/),
        ]);
      }
    },
  );

  const BROKEN = [
    "import { definePipeline } from 'orderflow';",
    'const n: number = );',
    'export default definePipeline({ process: [], dispatch: [] });',
    '',
  ].join('\n');
  const THROWS = [
    "import { definePipeline } from 'orderflow';",
    "import { check } from './check';",
    'check(1);',
    'export default definePipeline({ process: [], dispatch: [] });',
    '',
  ].join('\n');
  const CHECK = [
    'export function check(n: number): void {',
    '  if (n > 0) throw new RangeError(`no ${n}`);',
    '}',
    '',
  ].join('\n');
  const TWICE = [
    "import { defineFunction as f, definePipeline } from 'orderflow';",
    '',
    'const one = (): number => 1;',
    "export default definePipeline({ process: [f({ name: 'a', run: one })], dispatch: [f({ name: 'a', run: one })] });",
    '',
  ].join('\n');
  it.each<[string, PackageType, Record<string, string>, string, string, string]>([
    [
      'does not compile (ES module)',
      'module',
      { 'functions.ts': BROKEN },
      'functions.ts',
      positionOf(BROKEN, ')'),
      'Unexpected "\\)"; fix the code there',
    ],
    [
      'does not compile (CommonJS)',
      'commonjs',
      { 'functions.ts': BROKEN },
      'functions.ts',
      positionOf(BROKEN, ')'),
      'Unexpected "\\)"; fix the code there',
    ],
    [
      'throws when loaded, from a file it imports (CommonJS)',
      'commonjs',
      { 'functions.ts': THROWS, 'check.ts': CHECK },
      'check.ts',
      positionOf(CHECK, 'new RangeError'),
      'no 1; fix the error it throws when loaded',
    ],
    [
      'throws when loaded, from a file it imports (ES module)',
      'module',
      { 'functions.ts': THROWS.replace("'./check'", "'./check.js'"), 'check.ts': CHECK },
      'check.ts',
      positionOf(CHECK, 'new RangeError'),
      'no 1; fix the error it throws when loaded',
    ],
    [
      'names a function twice',
      'module',
      { 'functions.ts': TWICE },
      'functions.ts',
      positionOf(TWICE, 'definePipeline({'),
      'pipeline dispatch: names function a again \\(also in process\\); name each function once; fix the definition',
    ],
  ])(
    'functions module - a TypeScript module that %s: one line naming its .ts line, exit 2, for worker, bridge, dev and plan',
    async (_what, type, files, failing, position, rest) => {
      const dir = project(type, files);
      const file = path.join(dir, 'functions.ts');
      const message = new RegExp(
        `^orderflow: functions module ${escaped(file)}: failed to load at ${escaped(path.join(dir, failing))}:${position}: ${rest}\n$`,
      );
      for (const command of COMMANDS(dir)) {
        const result = await runCli([...command, '--functions', file], { env: NO_SERVERS });
        expect([command[0], result.code]).toEqual([command[0], 2]);
        expect(result.stderr).toMatch(message);
        expectNoStackTrace(result);
      }
    },
  );
});
