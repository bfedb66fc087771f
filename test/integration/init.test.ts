/**
 * `orderflow init` as a user meets it: orderflow packed and given as the dependency, the written
 * project installed with npm outside the repository, and its own tests run with `npm test` (the
 * TypeScript project's include the whole pipeline, on servers the testing kit starts) and its
 * `npm run typecheck`. Done means the project installs, its tests pass and its types check, so
 * that is what is checked, from npm's exit code and node:test's summary.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { expectNoStackTrace, runCli } from '../harness/cli';
import { newProjectDir, npmInstall, packOrderflow, removeProject } from '../harness/packed';
import { ROOT } from '../harness/paths';

/** `npm install` of orderflow takes about 15 s, its pipeline test 20; a busy machine more. */
const INSTALL_TIMEOUT_MS = 180_000;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `npm <args>` in `cwd` to its end, failed or not. */
function npm(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      [...args],
      { cwd, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A node:test summary line's count: `# pass 4` (TAP) or `ℹ pass 4` (spec reporter). */
function summaryCount(output: string, what: 'pass' | 'fail'): number | undefined {
  const match = new RegExp(`^\\S+ ${what} (\\d+)$`, 'm').exec(output);
  return match ? Number(match[1]) : undefined;
}

describe('init - a functions project to start from', () => {
  let work: string | undefined;
  let tarball = '';
  beforeAll(async () => {
    work = newProjectDir('orderflow-init');
    tarball = await packOrderflow(path.join(work, '.pack'));
  }, INSTALL_TIMEOUT_MS);
  afterAll(() => removeProject(work));

  it(
    'init - writes a TypeScript project whose tests (one function, and the whole pipeline with its backoffs skipped) and typecheck pass, from the packed orderflow',
    async () => {
      const project = path.join(work!, 'shop');
      const init = await runCli(['init', project, '--orderflow', tarball]);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      const files = [
        'package.json',
        'tsconfig.json',
        'src/functions.ts',
        'src/functions.test.ts',
        'src/pipeline.test.ts',
      ];
      for (const file of files) {
        expect(init.stdout).toContain(file);
        expect(fs.existsSync(path.join(project, file))).toBe(true);
      }
      expect(init.stdout).toMatch(/npm install\n\s+npm test\n\s+npx orderflow dev --functions src\/functions\.ts/);

      // The project compiles and tests with the tools orderflow itself uses, at its ranges.
      const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
      expect(pkg).toMatchObject({
        name: 'shop',
        type: 'module',
        dependencies: { orderflow: tarball },
        devDependencies: { typescript: own.devDependencies.typescript, tsx: own.dependencies.tsx },
        scripts: { test: 'node --import tsx --test src/*.test.ts', typecheck: 'tsc' },
      });

      await npmInstall(project);
      const test = await npm(['test'], project);
      // On a failure, jest shows npm's whole output: the failing test and why.
      expect(test.code === 0 ? 'exit 0' : test.output).toBe('exit 0');
      expect(summaryCount(test.output, 'fail')).toBe(0);
      expect(summaryCount(test.output, 'pass')).toBe(6);
      // The pipeline test's flaky order waited 5 s, 10 s and 20 s between its attempts, skipped.
      expect(test.output).toMatch(
        /ok \d+ - pipeline - an order is charged once, after the payments API failed three times/,
      );

      // The project's strict typecheck (no skipLibCheck) passes, with a module of mistakes added:
      // each marked line must fail to compile, or its unused @ts-expect-error fails the check.
      const mistakes = path.join(project, 'src', 'typed-functions.ts');
      fs.copyFileSync(path.join(ROOT, 'test/fixtures/consumer/typed-functions.ts'), mistakes);
      const typecheck = await npm(['run', 'typecheck'], project);
      expect(typecheck.code === 0 ? 'exit 0' : typecheck.output).toBe('exit 0');
      // Without the directives, the same check fails on the mistakes.
      fs.writeFileSync(mistakes, fs.readFileSync(mistakes, 'utf8').replaceAll('// @ts-expect-error', '//'));
      const unmarked = await npm(['run', 'typecheck'], project);
      expect(unmarked.code).not.toBe(0);
      expect(unmarked.output).toMatch(/typed-functions\.ts\(\d+,\d+\): error TS2322/);
    },
    3 * INSTALL_TIMEOUT_MS,
  );

  it(
    'init - --javascript writes the JavaScript project, whose test with the kit passes',
    async () => {
      const project = path.join(work!, 'shop-js');
      const init = await runCli(['init', project, '--javascript', '--orderflow', tarball]);
      expect(init.code).toBe(0);
      expect(init.stdout).toMatch(/npx orderflow dev --functions \.\/functions\.js/);
      expect(fs.readdirSync(project).sort()).toEqual([
        '.gitignore',
        'README.md',
        'functions.js',
        'functions.test.js',
        'package.json',
      ]);

      await npmInstall(project);
      const test = await npm(['test'], project);
      expect(test.code === 0 ? 'exit 0' : test.output).toBe('exit 0');
      expect(summaryCount(test.output, 'fail')).toBe(0);
      expect(summaryCount(test.output, 'pass')).toBe(4);
    },
    2 * INSTALL_TIMEOUT_MS,
  );

  it('init - refuses a folder that has files in it: one line, exit 2, nothing written', async () => {
    const dir = newProjectDir('orderflow-init-full');
    try {
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');

      const result = await runCli(['init', dir]);

      expect(result.code).toBe(2);
      expectNoStackTrace(result);
      expect(result.stderr.trim().split('\n')).toEqual([
        `orderflow: folder ${dir} is not empty (it holds notes.txt); choose an empty or new folder`,
      ]);
      expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
      expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    } finally {
      removeProject(dir);
    }
  });
});
