/**
 * The package's public surface, as a user gets it: `npm pack` of this checkout installed in a new
 * project outside the repository, loaded from an ES module (import) and from CommonJS (require).
 * Each must see exactly the names the README's "What `orderflow` exports" and "What
 * `orderflow/testing` exports" tables list as functions and classes, working; TypeScript must see
 * those and the tables' types, and nothing else, with no skipLibCheck; and no file behind the
 * entry points can be imported by path. The install itself must not
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

/** The entry points, each with its README table "What `<entry>` exports". */
type Entry = 'orderflow' | 'orderflow/testing';

/** An entry's README export table: each row's names (a cell may hold several), split into values and types. */
function documentedExports(entry: Entry): { values: string[]; types: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const heading = `#### What \`${entry}\` exports\n`;
  const start = readme.indexOf(heading);
  const section = start < 0 ? '' : (/^([\s\S]*?)\n#/m.exec(readme.slice(start + heading.length))?.[1] ?? '');
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
const testingNames = Object.keys(testing).sort();
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
  testingNames,
  run: await testing.runFunction(charge, {
    orderId: 'o-1',
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 's-1', quantity: 1, unitPrice: 2 }],
  }).then((r) => [r.result, r.attempt]),
  deep,
}));
`;

/**
 * The names TypeScript sees exported by `entry` from a file of the project, values and types,
 * compiled as strictly as a user may: no skipLibCheck, so every declaration orderflow's types pull
 * in must compile too.
 */
function typeScriptExports(dir: string, entry: Entry): string[] {
  const file = path.join(dir, `sees-${entry.replace('/', '-')}.ts`);
  fs.writeFileSync(file, `import * as seen from '${entry}';\nexport type Seen = typeof seen;\n`);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: false,
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
  const documented = documentedExports('orderflow');
  const documentedTesting = documentedExports('orderflow/testing');

  beforeAll(async () => {
    ({ dir, install } = await projectWithOrderflow('orderflow-public-api'));
  }, 300_000);
  afterAll(() => removeProject(dir));

  it('public API - the install warns of no engine: every dependency runs on the Node orderflow declares', () => {
    expect(install).not.toContain('EBADENGINE');
  });

  it('public API - the README lists the three values and the types a function needs, and the testing kit', () => {
    expect(documented.values).toEqual(['NonRetryableError', 'defineFunction', 'definePipeline']);
    expect(documented.types).toEqual(
      expect.arrayContaining(['Duration', 'FunctionContext', 'JsonSafe', 'Needs', 'Order', 'OrderflowFunction']),
    );
    expect(documentedTesting.values).toEqual(['KitError', 'runFunction', 'startPipelineTest']);
    expect(documentedTesting.types).toEqual(expect.arrayContaining(['FunctionRun', 'OrderOutcome', 'PipelineTest']));
  });

  it.each([
    // orderflow is CommonJS: an ES module's namespace of it also holds `default` (module.exports) and
    // `__esModule` (TypeScript's CommonJS marker), as Node shows every package compiled that way.
    [
      'an ES module (import)',
      'consumer.mjs',
      "import * as orderflow from 'orderflow';\nimport * as testing from 'orderflow/testing';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);",
    ],
    [
      'CommonJS (require)',
      'consumer.cjs',
      "const orderflow = require('orderflow');\nconst testing = require('orderflow/testing');\n(async () => {",
    ],
  ])('public API - %s sees exactly the documented values, and they work', async (_what, name, load) => {
    // CommonJS has no top-level await: its consumer runs in an async function, closed here.
    fs.writeFileSync(path.join(dir!, name), `${consumer(load)}${name.endsWith('.cjs') ? '})();\n' : ''}`);
    const { stdout } = await run(process.execPath, [name], { cwd: dir });
    const seen = JSON.parse(stdout) as Record<string, unknown> & { names: string[] };
    const interop = name.endsWith('.mjs') ? ['__esModule', 'default'] : [];
    expect(seen.names).toEqual([...documented.values, ...interop].sort());
    expect(seen.testingNames).toEqual([...documentedTesting.values, ...interop].sort());
    expect(seen).toMatchObject({
      pipeline: [['charge', 3]],
      refused: expect.stringContaining('function "ship": unknown option retries (did you mean retry?)') as unknown,
      rejection: [true, 'NonRetryableError', 'CardDeclined'],
      run: [1, 1],
      // Nothing behind the entry point: package.json "exports" names only it.
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('public API - TypeScript sees the documented values and types of each entry, and nothing else, without skipLibCheck', () => {
    expect(typeScriptExports(dir!, 'orderflow')).toEqual([...documented.values, ...documented.types].sort());
    expect(typeScriptExports(dir!, 'orderflow/testing')).toEqual(
      [...documentedTesting.values, ...documentedTesting.types].sort(),
    );
  });
});
