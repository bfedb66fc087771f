/**
 * `orderflow init <dir>`: writes a small functions project (template.ts) into a new or empty
 * folder, its dependencies pinned to the orderflow that writes it. Never overwrites anything: a
 * folder with files in it is refused before a file is written.
 */
import fs from 'node:fs';
import path from 'node:path';

import { ConfigError, UserError } from '../../shared/errors';
import { packageNameFromFolder, packageNameProblem } from './package-name';
import type { ProjectLanguage, ServerTool, ToolRanges } from './project';
import type { ProjectFile } from './template';
import { projectFiles } from './template';

/** Thrown when the folder given to `orderflow init` cannot take a new project. */
export class ProjectFolderError extends UserError {
  override readonly name = 'ProjectFolderError';
  readonly exitCode = 2;
  constructor(
    readonly dir: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`folder ${dir} ${problem}; choose an empty or new folder`, options);
  }
}

/** What the project takes from the orderflow writing it. */
export interface OrderflowPackage {
  readonly version: string;
  /** orderflow's engines.node. */
  readonly nodeRange: string;
  /** The TypeScript, tsx and Node types orderflow builds and tests with. */
  readonly tools: ToolRanges;
  /** The servers `orderflow dev` starts. */
  readonly servers: readonly ServerTool[];
  /** The server the testing kit's pipeline tests run. */
  readonly testServer: ServerTool;
}

export interface InitOptions {
  /** The project folder, relative to `cwd`; created when missing. */
  readonly dir: string;
  /** The package name. Default: made from the folder's name. */
  readonly name?: string;
  /** orderflow's dependency spec. Default: `^<this orderflow's version>`. */
  readonly orderflowSpec?: string;
  /** Default: 'typescript'. */
  readonly language?: ProjectLanguage;
  /** Where relative paths (`dir`, a tarball's) start. */
  readonly cwd: string;
}

export interface InitReport {
  /** Absolute path of the project folder. */
  readonly dir: string;
  readonly name: string;
  readonly language: ProjectLanguage;
  readonly orderflowSpec: string;
  readonly files: readonly ProjectFile[];
}

interface PackageJson {
  name?: string;
  version?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface ToolsModule {
  TOOLS: Record<string, { version: string; module: string; binary: string; envVar: string }>;
}

/** A server binary as scripts/tools.js pins it. */
function serverTool(name: string): ServerTool {
  // scripts/tools.js is plain CommonJS (it runs before dependencies are installed); dist/ ships it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TOOLS } = require('../../scripts/tools.js') as ToolsModule;
  const tool = TOOLS[name];
  if (!tool) throw new Error(`scripts/tools.js pins no ${name}`);
  return { binary: tool.binary, envVar: tool.envVar, goInstall: `${tool.module}@${tool.version}` };
}

/** A range orderflow's package.json gives `name` (a dependency or, packed, a devDependency). */
function rangeOf(pkg: PackageJson, name: string, file: string): string {
  const range = pkg.dependencies?.[name] ?? pkg.devDependencies?.[name];
  if (!range) throw new Error(`${file} names no ${name} version`);
  return range;
}

/** This orderflow's package.json: the nearest one named orderflow above this file (source or dist/). */
export function ownPackage(from = __dirname): OrderflowPackage {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === 'orderflow' && pkg.version) {
        // A packed orderflow keeps its devDependencies in package.json: the tools it was built with.
        const tools = {
          typescript: rangeOf(pkg, 'typescript', file),
          tsx: rangeOf(pkg, 'tsx', file),
          typesNode: rangeOf(pkg, '@types/node', file),
        };
        return {
          version: pkg.version,
          nodeRange: pkg.engines?.node ?? '>=20',
          tools,
          servers: [serverTool('nats-server'), serverTool('temporal')],
          testServer: serverTool('temporal-time-skipping'),
        };
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json of orderflow above ${from}`);
  }
}

/**
 * The spec written for orderflow. A local path (a tarball, a checkout) is made absolute: npm reads
 * a relative one from the project's folder, not from where `init` ran.
 */
export function dependencySpec(spec: string, cwd: string): string {
  const trimmed = spec.trim();
  if (!trimmed) throw new ConfigError('--orderflow', 'is empty', 'give a version range or a path to a tarball');
  const local = trimmed.startsWith('file:') ? trimmed.slice('file:'.length) : trimmed;
  const isPath = /^\.{1,2}([/\\]|$)/.test(local) || path.isAbsolute(local) || /\.t(ar\.)?gz$/.test(local);
  return isPath ? path.resolve(cwd, local) : trimmed;
}

/** How many of a refused folder's entries the message names. */
const NAMED_ENTRIES = 3;

/** Why `dir` cannot take the project, or undefined when it can (missing, or an empty folder). */
function folderProblem(dir: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) return 'is a file';
  const entries = fs.readdirSync(dir).sort();
  if (!entries.length) return undefined;
  const more = entries.length > NAMED_ENTRIES ? ` and ${entries.length - NAMED_ENTRIES} more` : '';
  return `is not empty (it holds ${entries.slice(0, NAMED_ENTRIES).join(', ')}${more})`;
}

/** Creates `dir` and writes `files` into it, never over an existing file. */
function writeFiles(dir: string, files: readonly ProjectFile[]): void {
  let current = dir;
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const file of files) {
      current = path.join(dir, file.path);
      fs.mkdirSync(path.dirname(current), { recursive: true });
      // 'wx': should a file appear in the folder meanwhile, fail rather than overwrite it.
      fs.writeFileSync(current, file.content, { flag: 'wx' });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code) throw err;
    const problem =
      code === 'EEXIST'
        ? `gained ${path.basename(current)} while init wrote it`
        : `cannot be written (${code} on ${current})`;
    throw new ProjectFolderError(dir, problem, { cause: err });
  }
}

/**
 * Writes the project into `options.dir`. A bad name or spec (ConfigError) or a folder with files
 * (ProjectFolderError) is refused before anything is written.
 */
export function initProject(options: InitOptions, own: OrderflowPackage = ownPackage()): InitReport {
  const { cwd } = options;
  const dir = path.resolve(cwd, options.dir);
  const name = options.name ?? packageNameFromFolder(path.basename(dir));
  const nameProblem = packageNameProblem(name);
  if (nameProblem) throw new ConfigError('--name', `${JSON.stringify(name)} ${nameProblem}`, 'give another name');
  const orderflowSpec =
    options.orderflowSpec === undefined ? `^${own.version}` : dependencySpec(options.orderflowSpec, cwd);
  const problem = folderProblem(dir);
  if (problem) throw new ProjectFolderError(dir, problem);

  const language = options.language ?? 'typescript';
  const files = projectFiles({ name, orderflowSpec, language, ...own });
  writeFiles(dir, files);
  return { dir, name, language, orderflowSpec, files };
}
