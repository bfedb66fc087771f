/**
 * The package's public surface, as a user gets it: `npm pack` of this checkout installed in a new
 * project outside the repository, loaded from an ES module (import) and from CommonJS (require).
 * Each must see exactly the names the README's "What `orderflow` exports" table lists as
 * functions and classes, working; TypeScript must see those and the table's types, and nothing
 * else; and no file behind the entry point can be imported by path. The install itself must not
 * warn EBADENGINE (issue 21, item 3: a dependency that refuses the Node orderflow declares).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import ts from 'typescript';

import { projectWithOrderflow, removeProject } from '../harness/packed';
import { ROOT } from '../harness/paths';

const run = promisify(execFile);

/** The README's export table: each row's names (a cell may hold several), split into values and types. */
function documentedExports(): { values: string[]; types: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^#### What `orderflow` exports\n([\s\S]*?)\n#/m.exec(readme)?.[1] ?? '';
  const values: string[] = [];
  const types: string[] = [];
  for (const row of section.split('\n').filter((line) => /^\| `/.test(line))) {
    const [names = '', kind = ''] = row.split('|').slice(1, 3);
    const listed = [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    (kind.trim() === 'type' ? types : values).push(...listed);
  }
  return { values: values.sort(), types: types.sort() };
}

/** Loads the package and uses each value export; prints the names it sees and what using them gave. */
const consumer = (load: string): string => `${load}
const names = Object.keys(orderflow).sort();
const charge = orderflow.defineFunction({ name: 'charge', retry: { maximumAttempts: 3 }, run: async () => 1 });
const pipeline = orderflow.definePipeline({ process: [charge], dispatch: [] });
let refused = '';
try {
  orderflow.defineFunction({ name: 'ship', retries: 3, run: async () => 1 });
} catch (err) {
  refused = err.message;
}
const rejection = new orderflow.NonRetryableError('card declined', { type: 'CardDeclined' });
let deep = '';
try {
  require('orderflow/dist/activities/define.js');
} catch (err) {
  deep = err.code;
}
console.log(JSON.stringify({
  names,
  pipeline: pipeline.functions.map((f) => [f.name, f.retry.maximumAttempts]),
  refused,
  rejection: [rejection instanceof Error, rejection.name, rejection.type],
  activity: typeof orderflow.activityOf(charge),
  deep,
}));
`;

/** The names TypeScript sees exported by 'orderflow' from a file of the project, values and types. */
function typeScriptExports(dir: string): string[] {
  const file = path.join(dir, 'sees.ts');
  fs.writeFileSync(file, "import * as orderflow from 'orderflow';\nexport type Seen = typeof orderflow;\n");
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    types: ['node'],
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(errors).toEqual([]);
  const source = program.getSourceFile(file)!;
  const specifier = (source.statements[0] as ts.ImportDeclaration).moduleSpecifier;
  const checker = program.getTypeChecker();
  return checker
    .getExportsOfModule(checker.getSymbolAtLocation(specifier)!)
    .map((s) => s.name)
    .sort();
}

describe('public API - the packed package exports what the README documents, to ESM and CommonJS', () => {
  let dir: string | undefined;
  let install = '';
  const documented = documentedExports();

  beforeAll(async () => {
    ({ dir, install } = await projectWithOrderflow('orderflow-public-api'));
  }, 300_000);
  afterAll(() => removeProject(dir));

  it('public API - the install warns of no engine: every dependency runs on the Node orderflow declares', () => {
    expect(install).not.toContain('EBADENGINE');
  });

  it('public API - the README lists the four values and the types a function needs', () => {
    expect(documented.values).toEqual(['NonRetryableError', 'activityOf', 'defineFunction', 'definePipeline']);
    expect(documented.types).toEqual(
      expect.arrayContaining(['FunctionContext', 'FunctionInput', 'Order', 'OrderflowFunction', 'StepResult']),
    );
  });

  it.each([
    // orderflow is CommonJS: an ES module's namespace of it also holds `default` (module.exports) and
    // `__esModule` (TypeScript's CommonJS marker), as Node shows every package compiled that way.
    [
      'an ES module (import)',
      'consumer.mjs',
      "import * as orderflow from 'orderflow';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);",
    ],
    ['CommonJS (require)', 'consumer.cjs', "const orderflow = require('orderflow');"],
  ])('public API - %s sees exactly the documented values, and they work', async (_what, name, load) => {
    fs.writeFileSync(path.join(dir!, name), consumer(load));
    const { stdout } = await run(process.execPath, [name], { cwd: dir });
    const seen = JSON.parse(stdout) as Record<string, unknown> & { names: string[] };
    const interop = name.endsWith('.mjs') ? ['__esModule', 'default'] : [];
    expect(seen.names).toEqual([...documented.values, ...interop].sort());
    expect(seen).toMatchObject({
      pipeline: [['charge', 3]],
      refused: expect.stringContaining('function "ship": unknown option retries (did you mean retry?)') as unknown,
      rejection: [true, 'NonRetryableError', 'CardDeclined'],
      activity: 'function',
      // Nothing behind the entry point: package.json "exports" names only it.
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('public API - TypeScript sees the documented values and types, and nothing else', () => {
    expect(typeScriptExports(dir!)).toEqual([...documented.values, ...documented.types].sort());
  });
});
