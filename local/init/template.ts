/**
 * The files of the project `orderflow init` writes, as text: package.json, the functions and their
 * tests (template-typescript*.ts; template-functions.ts for `--javascript`), a README with the
 * commands to run it, and a .gitignore. What varies (the project's name and language, the versions
 * of orderflow and of the tools it compiles and tests with, the server binaries) comes in as
 * ProjectVariables, so every written file agrees with the orderflow that wrote it.
 */
import { FUNCTIONS_JS, FUNCTIONS_TEST_JS } from './template-functions';
import { FAKE_PAYMENTS_TS, FUNCTIONS_TS, TSCONFIG_JSON } from './template-typescript';
import { FUNCTIONS_TEST_TS, PIPELINE_TEST_TS } from './template-typescript-tests';
import type { ProjectLanguage, ProjectVariables } from './project';
import { FUNCTIONS_MODULE } from './project';
import { projectReadme } from './template-readme';

export interface ProjectFile {
  /** Path relative to the project folder. */
  readonly path: string;
  readonly content: string;
  /** One line for the list `orderflow init` prints. */
  readonly about: string;
}

function scriptsFor(language: ProjectLanguage): Record<string, string> {
  const functions = FUNCTIONS_MODULE[language];
  // `npm run dev` reloads the workers on each save of the functions (or a file they import).
  const run = {
    dev: `orderflow dev --functions ${functions} --watch`,
    worker: `orderflow worker --functions ${functions}`,
  };
  // tsx runs the tests' TypeScript as orderflow runs the functions': no build step. The shell
  // expands the pattern (Node 20's --test takes no patterns of its own).
  if (language === 'typescript') return { test: 'node --import tsx --test src/*.test.ts', typecheck: 'tsc', ...run };
  return { test: 'node --test', ...run };
}

function packageJson(v: ProjectVariables): string {
  const pkg = {
    name: v.name,
    version: '0.1.0',
    private: true,
    description: 'Order functions run by orderflow',
    type: 'module',
    engines: { node: v.nodeRange },
    scripts: scriptsFor(v.language),
    dependencies: { orderflow: v.orderflowSpec },
    ...(v.language === 'typescript'
      ? { devDependencies: { '@types/node': v.tools.typesNode, tsx: v.tools.tsx, typescript: v.tools.typescript } }
      : {}),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const GITIGNORE = `node_modules/
# orderflow dev's server data and logs
.data/
`;

function codeFiles(language: ProjectLanguage): ProjectFile[] {
  if (language === 'javascript') {
    return [
      { path: 'functions.js', content: FUNCTIONS_JS, about: 'the pipeline: chargeCard calls a payments API' },
      { path: 'functions.test.js', content: FUNCTIONS_TEST_JS, about: "chargeCard's unit test, with orderflow's kit" },
    ];
  }
  return [
    { path: 'tsconfig.json', content: TSCONFIG_JSON, about: 'strict TypeScript, checked by npm run typecheck' },
    {
      path: 'src/functions.ts',
      content: FUNCTIONS_TS,
      about: 'the pipeline: chargeCard calls a payments API, confirmOrder reads its charge',
    },
    { path: 'src/fake-payments.ts', content: FAKE_PAYMENTS_TS, about: 'a fake payments API for the tests' },
    { path: 'src/functions.test.ts', content: FUNCTIONS_TEST_TS, about: 'unit tests of the functions (runFunction)' },
    {
      path: 'src/pipeline.test.ts',
      content: PIPELINE_TEST_TS,
      about: 'the whole pipeline, time skipped (startPipelineTest)',
    },
  ];
}

/** Every file of the project, in the order `orderflow init` lists them. */
export function projectFiles(v: ProjectVariables): readonly ProjectFile[] {
  const tests = v.language === 'typescript' ? 'node --test with tsx, typecheck with tsc' : 'node --test';
  return [
    { path: 'package.json', content: packageJson(v), about: `orderflow ${v.orderflowSpec}, tests with ${tests}` },
    ...codeFiles(v.language),
    { path: 'README.md', content: projectReadme(v), about: 'how to run, test and deploy it' },
    { path: '.gitignore', content: GITIGNORE, about: 'node_modules and dev data' },
  ];
}
