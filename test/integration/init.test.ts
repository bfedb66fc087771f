/**
 * `orderflow init` as a user meets it: orderflow packed and given as the dependency, the written
 * project installed with npm outside the repository, and its own test run with `npm test`. Done
 * means the project installs and its test passes, so that is what is checked, from npm's exit code
 * and node:test's summary.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { expectNoStackTrace, runCli } from '../harness/cli';
import { newProjectDir, npmInstall, packOrderflow, removeProject } from '../harness/packed';
import { ROOT } from '../harness/paths';

/** `npm install` of orderflow and Temporal's testing package takes about 15 s; a busy machine more. */
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
  afterAll(() => removeProject(work));

  it(
    'init - writes a project that installs with the packed orderflow and whose own test passes',
    async () => {
      work = newProjectDir('orderflow-init');
      const tarball = await packOrderflow(path.join(work, '.pack'));
      const project = path.join(work, 'shop');

      const init = await runCli(['init', project, '--orderflow', tarball]);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      for (const file of ['package.json', 'functions.js', 'functions.test.js', 'README.md']) {
        expect(init.stdout).toContain(file);
        expect(fs.existsSync(path.join(project, file))).toBe(true);
      }
      expect(init.stdout).toMatch(/npm install\n\s+npm test\n\s+npx orderflow dev --functions \.\/functions\.js/);

      // The test's Temporal packages at orderflow's own range: one activity context for both.
      const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
      expect(pkg).toMatchObject({
        name: 'shop',
        type: 'module',
        dependencies: { orderflow: tarball },
        devDependencies: { '@temporalio/testing': own.devDependencies['@temporalio/testing'] },
        scripts: { test: 'node --test' },
      });

      await npmInstall(project);
      const test = await npm(['test'], project);

      // On a failure, jest shows npm's whole output: the failing test and why.
      expect(test.code === 0 ? 'exit 0' : test.output).toBe('exit 0');
      expect(summaryCount(test.output, 'fail')).toBe(0);
      expect(summaryCount(test.output, 'pass')).toBeGreaterThanOrEqual(2);
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
