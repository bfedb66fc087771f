/**
 * The server binaries (see scripts/tools.js): found where they were put, built with Go into the
 * per-user cache when missing and Go is there, and otherwise a message saying how to get them
 * that holds wherever orderflow runs (a clone of this repository or an installed package).
 */
import fs from 'node:fs';

import { MissingToolError } from '../../shared/errors';

export type ToolName =
  'temporal' | 'nats-server' | 'nats' | 'temporal-server' | 'temporal-sql-tool' | 'temporal-time-skipping';

interface ToolSpec {
  readonly version: string;
  readonly module: string;
  readonly binary: string;
  readonly envVar: string;
  /** False for a generic binary name (`server`): never taken from PATH. */
  readonly pathLookup?: boolean;
}

type Env = NodeJS.ProcessEnv;

/** Builds a tool into the cache with `go install` and returns its path (scripts/tools.js buildTool). */
export type BuildTool = (name: ToolName, options: { env: Env; onProgress: (line: string) => void }) => Promise<string>;

interface ToolsModule {
  TOOLS: Record<ToolName, ToolSpec>;
  toolsDir(env?: Env): string;
  cachedPath(name: ToolName, env?: Env): string;
  locateTool(name: ToolName, env?: Env): { path: string; source: 'env' | 'cache' | 'path' } | undefined;
  buildTool: BuildTool;
  findOnPath(binary: string, env?: Env): string | undefined;
  reportedVersion(file: string): string;
  installHint(name: ToolName): string;
}

// scripts/tools.js is plain CommonJS so that it runs before any dependency is installed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require('../../scripts/tools.js') as ToolsModule;

/** Why a missing tool was not built: no Go on PATH, or the build failed with this message. */
export type NotBuilt = { readonly go: 'absent' } | { readonly go: 'failed'; readonly error: string };

/**
 * How to get a missing tool, in words true wherever orderflow runs: without Go, install Go (the
 * next run builds the tool) or the tool itself; after a failed build, the tool itself.
 */
export function missingToolMessage(name: ToolName, notBuilt: NotBuilt, env: Env = process.env): string {
  const tool = tools.TOOLS[name];
  const cached = `${tools.cachedPath(name, env)} (ORDERFLOW_TOOLS_DIR moves that folder)`;
  if (notBuilt.go === 'absent') return `${tools.installHint(name)}\nA binary placed at ${cached} is found too.`;
  return [
    `building ${tool.binary} ${tool.version} with Go failed:`,
    notBuilt.error,
    '',
    `Fix the error and run this command again, or install ${tool.binary} yourself:`,
    `  go install ${tool.module}@${tool.version}`,
    `and ${tool.pathLookup === false ? '' : 'put it on PATH, '}set ${tool.envVar} to its path, or place it at ${cached}.`,
  ].join('\n');
}

/** Path of a tool, without building it: a MissingToolError saying how to get it when it is nowhere. */
export function binaryPath(name: ToolName, env: Env = process.env): string {
  const found = locate(name, env);
  if (!found) throw new MissingToolError(missingToolMessage(name, { go: 'absent' }, env));
  return found;
}

export interface EnsureBinaryOptions {
  /** Environment read for the tool's variable, PATH and the cache folder. Default: process.env. */
  readonly env?: Env;
  /** Told what a build is doing, one line at a time (it takes minutes). Default: nothing. */
  readonly onProgress?: (line: string) => void;
  /** Default: scripts/tools.js buildTool (`go install` into the cache). */
  readonly build?: BuildTool;
}

/**
 * Path of a tool. One that is nowhere is built first when Go is on PATH (once: the cache keeps
 * it); otherwise, or when the build fails, a MissingToolError saying how to get it.
 */
export async function ensureBinary(name: ToolName, options: EnsureBinaryOptions = {}): Promise<string> {
  const { env = process.env, onProgress = () => undefined, build = tools.buildTool } = options;
  const found = locate(name, env);
  if (found) return found;
  if (!tools.findOnPath('go', env)) throw new MissingToolError(missingToolMessage(name, { go: 'absent' }, env));
  const tool = tools.TOOLS[name];
  const dir = tools.toolsDir(env);
  onProgress(`${tool.binary} not found; building ${tool.version} with go install (first run only; kept in ${dir})`);
  const started = Date.now();
  try {
    fs.mkdirSync(dir, { recursive: true });
    const built = await build(name, { env, onProgress });
    onProgress(`built ${tool.binary} ${tool.version} in ${Math.round((Date.now() - started) / 1000)} s`);
    return built;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    throw new MissingToolError(missingToolMessage(name, { go: 'failed', error }, env), { cause: err });
  }
}

function locate(name: ToolName, env: Env): string | undefined {
  try {
    return tools.locateTool(name, env)?.path;
  } catch (err) {
    // A tool variable naming no executable: its own message says what to change.
    throw new MissingToolError(err instanceof Error ? err.message : String(err));
  }
}

export const findOnPath = (binary: string): string | undefined => tools.findOnPath(binary);
export const reportedVersion = (file: string): string => tools.reportedVersion(file);
