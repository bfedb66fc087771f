/**
 * `orderflow init` without npm: package names made from folder names and checked, the orderflow
 * spec written, what the project takes from orderflow's package.json, and every refusal made
 * before a file is written. test/integration/init.test.ts installs and tests the written project.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError } from '../../shared/errors';
import { ProjectFolderError, dependencySpec, initProject, ownPackage } from '../../local/init/init';
import { packageNameFromFolder, packageNameProblem } from '../../local/init/package-name';
import { ROOT } from '../harness/paths';

describe('init - package names', () => {
  it.each([
    ['shop', 'shop'],
    ['My Shop!', 'my-shop'],
    ['Café Orders', 'cafe-orders'],
    ['.hidden', 'hidden'],
    ['_under__score_', 'under__score'],
    ['a.b~c', 'a.b-c'],
    ['!!!', 'orderflow-functions'],
    ['orderflow', 'orderflow-functions'],
    ['http', 'http-functions'],
  ])('init - the folder %j makes the package name %j', (folder, name) => {
    expect(packageNameFromFolder(folder)).toBe(name);
    expect(packageNameProblem(name)).toBeUndefined();
  });

  it('init - a folder name too long for npm is cut to 214 characters', () => {
    const name = packageNameFromFolder(`${'a'.repeat(220)}`);
    expect(name).toHaveLength(214);
    expect(packageNameProblem(name)).toBeUndefined();
  });

  it('init - a given name breaking npm rules is refused with the reason', () => {
    expect(packageNameProblem('@acme/shop')).toBeUndefined();
    expect(packageNameProblem('Shop')).toMatch(/not a valid npm package name/);
    expect(packageNameProblem('_shop')).toMatch(/not a valid npm package name/);
    expect(packageNameProblem('my shop')).toMatch(/not a valid npm package name/);
    expect(packageNameProblem('shop~1')).toMatch(/not a valid npm package name/);
    expect(packageNameProblem('orderflow')).toMatch(/the package the project depends on/);
    expect(packageNameProblem('fs')).toMatch(/Node's own module/);
    expect(packageNameProblem('')).toBe('is empty');
  });
});

describe('init - what the project takes from orderflow', () => {
  it("init - reads orderflow's version and its tools' ranges from its package.json", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const own = ownPackage();
    expect(own).toMatchObject({
      version: pkg.version,
      nodeRange: pkg.engines.node,
      tools: {
        typescript: pkg.devDependencies.typescript,
        tsx: pkg.dependencies.tsx,
        typesNode: pkg.devDependencies['@types/node'],
      },
    });
    expect(own.servers.map((s) => s.binary)).toEqual(['nats-server', 'temporal']);
    expect(own.testServer.goInstall).toMatch(/^go\.temporal\.io\/server\/cmd\/server@v/);
  });

  it('init - a version range is written as given; a local path is made absolute', () => {
    expect(dependencySpec('^0.2.0', '/work')).toBe('^0.2.0');
    expect(dependencySpec('latest', '/work')).toBe('latest');
    expect(dependencySpec('/tmp/orderflow-0.2.0.tgz', '/work')).toBe('/tmp/orderflow-0.2.0.tgz');
    expect(dependencySpec('./orderflow-0.2.0.tgz', '/work')).toBe('/work/orderflow-0.2.0.tgz');
    expect(dependencySpec('orderflow-0.2.0.tgz', '/work')).toBe('/work/orderflow-0.2.0.tgz');
    expect(dependencySpec('file:../orderflow', '/work/app')).toBe('/work/orderflow');
    expect(() => dependencySpec(' ', '/work')).toThrow(ConfigError);
  });
});

describe('init - writing the project', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-init-unit-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('init - writes a TypeScript project by default: functions and tests under src/, tsconfig, typecheck script', () => {
    const report = initProject({ dir: 'Shop', cwd: tmp });

    expect(report.language).toBe('typescript');
    expect(fs.readdirSync(report.dir).sort()).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'src',
      'tsconfig.json',
    ]);
    expect(fs.readdirSync(path.join(report.dir, 'src')).sort()).toEqual([
      'fake-payments.ts',
      'functions.test.ts',
      'functions.ts',
      'pipeline.test.ts',
    ]);
    const pkg = JSON.parse(fs.readFileSync(path.join(report.dir, 'package.json'), 'utf8'));
    expect(pkg.scripts).toEqual({
      test: 'node --import tsx --test src/*.test.ts',
      typecheck: 'tsc',
      dev: 'orderflow dev --functions src/functions.ts --watch',
      worker: 'orderflow worker --functions src/functions.ts',
    });
    const readme = fs.readFileSync(path.join(report.dir, 'README.md'), 'utf8');
    expect(readme).toContain(
      'npm install\nnpm test\nnpx orderflow dev --functions src/functions.ts\nnpm run typecheck\n',
    );
    expect(readme).toContain('go install go.temporal.io/server/cmd/server@');
  });

  it('init - with javascript, writes every file into a new folder, named after it, with orderflow at ^ its version', () => {
    const report = initProject({ dir: 'Shop', cwd: tmp, language: 'javascript' });

    expect(report.dir).toBe(path.join(tmp, 'Shop'));
    expect(fs.readdirSync(report.dir).sort()).toEqual(
      ['.gitignore', 'README.md', 'functions.js', 'functions.test.js', 'package.json'].sort(),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(report.dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'shop',
      type: 'module',
      dependencies: { orderflow: `^${ownPackage().version}` },
      scripts: {
        test: 'node --test',
        worker: 'orderflow worker --functions ./functions.js',
        dev: 'orderflow dev --functions ./functions.js --watch',
      },
    });
    const readme = fs.readFileSync(path.join(report.dir, 'README.md'), 'utf8');
    expect(readme).toContain('npm install\nnpm test\nnpx orderflow dev --functions ./functions.js\n');
    expect(readme).toContain('go install github.com/nats-io/nats-server/v2@');
  });

  it('init - writes into an empty folder, with the name given', () => {
    const report = initProject({ dir: tmp, cwd: '/', name: '@acme/orders' });
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'package.json'), 'utf8')).name).toBe('@acme/orders');
    expect(report.files.map((f) => f.path)).toContain('src/functions.ts');
  });

  it('init - refuses a folder with files and a file in its place, changing nothing', () => {
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'mine');
    expect(() => initProject({ dir: tmp, cwd: '/' })).toThrow(ProjectFolderError);
    expect(() => initProject({ dir: tmp, cwd: '/' })).toThrow(
      `folder ${tmp} is not empty (it holds notes.txt); choose an empty or new folder`,
    );
    expect(() => initProject({ dir: 'notes.txt', cwd: tmp })).toThrow(/is a file; choose an empty or new folder/);
    expect(fs.readdirSync(tmp)).toEqual(['notes.txt']);
  });

  it('init - refuses an invalid --name before creating the folder', () => {
    expect(() => initProject({ dir: 'shop', cwd: tmp, name: 'My Shop' })).toThrow(ConfigError);
    expect(() => initProject({ dir: 'shop', cwd: tmp, name: 'My Shop' })).toThrow(
      /^--name: "My Shop" is not a valid npm package name/,
    );
    expect(fs.existsSync(path.join(tmp, 'shop'))).toBe(false);
  });
});
