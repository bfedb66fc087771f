/**
 * Loading a user's pipeline module from the command line: ES modules and CommonJS alike, and every
 * way a module can be wrong as one line and exit 2, before any server is contacted (no servers
 * run here: NATS_URL points at a closed port, so reaching for one would fail differently).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from '../harness/paths';
import { expectNoStackTrace, runCli } from '../harness/cli';

const API = path.join(ROOT, 'dist/activities/index.js');
const NO_SERVERS = { NATS_URL: 'nats://127.0.0.1:1', TEMPORAL_ADDRESS: '127.0.0.1:1' };

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

  it.each([
    [
      'names a function twice',
      'twice.mjs',
      `import { defineFunction as f, definePipeline } from ${JSON.stringify(API)};\nexport default definePipeline({ process: [f({ name: 'a', run: () => 1 })], dispatch: [f({ name: 'a', run: () => 2 })] });\n`,
      /^orderflow: functions module .*twice\.mjs: failed to load: pipeline dispatch: names function a again \(also in process\); name each function once; fix the definition\n$/,
    ],
    [
      'exports no pipeline',
      'none.cjs',
      'module.exports = { hello: 1 };\n',
      /^orderflow: functions module .*none\.cjs: exports no pipeline; make its default export definePipeline/,
    ],
    [
      'throws when loaded',
      'throws.js',
      "throw new Error('boom at load');\n",
      /^orderflow: functions module .*throws\.js: failed to load: boom at load; fix the error it throws when loaded\n$/,
    ],
    [
      'has a syntax error',
      'broken.mjs',
      'export default {\n',
      /^orderflow: functions module .*broken\.mjs: failed to load: /,
    ],
    ['does not exist', undefined, '', /^orderflow: functions module .*missing\.js: no such file/],
  ])(
    'functions module - a module that %s: one line, exit 2, for worker, bridge, dev and plan',
    async (_what, name, text, message) => {
      const file = name ? write(name, text) : path.join(dir, 'missing.js');
      for (const command of [['worker'], ['bridge'], ['dev', '--data-dir', path.join(dir, 'dev-data')], ['plan']]) {
        const result = await runCli([...command, '--functions', file], { env: NO_SERVERS });
        expect([command[0], result.code]).toEqual([command[0], 2]);
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expectNoStackTrace(result);
      }
    },
  );

  it('functions module - ORDERFLOW_FUNCTIONS names the module when the flag does not; a .ts file is refused', async () => {
    const viaEnv = await runCli(['worker'], {
      env: { ...NO_SERVERS, ORDERFLOW_FUNCTIONS: path.join(dir, 'gone.mjs') },
    });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toMatch(/functions module .*gone\.mjs: no such file/);
    const ts = await runCli(['worker', '--functions', 'pipeline.ts'], { env: NO_SERVERS });
    expect(ts.code).toBe(2);
    expect(ts.stderr).toBe(
      'orderflow: --functions: "pipeline.ts" is not a .js, .mjs or .cjs file; name a .js, .mjs or .cjs file\n',
    );
  });
});
