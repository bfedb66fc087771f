/**
 * What went wrong when a functions module loaded, and where in the user's code, for the one-line
 * FunctionsModuleError: a compile error of a TypeScript module (esbuild's, through tsx) with its
 * line, or an error thrown at load with the first frame of its stack that is the user's.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { messageOf } from '../shared/errors';

export interface LoadFailure {
  /** What failed, without the location. */
  readonly message: string;
  /** `file:line:column` (1-based, the file relative to the working directory when inside it). */
  readonly location?: string;
  /** True for a compile error: the module did not run at all. */
  readonly compile: boolean;
}

/** orderflow's own compiled code (dist/): its frames are never the user's. */
const OWN_CODE = path.resolve(__dirname, '..');

/** esbuild's report of a failed transform: `Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <text>` (col 0-based). */
const COMPILE_ERROR = /^Transform failed with \d+ errors?:\n(.+):(\d+):(\d+): ERROR: (.*)$/m;

/** A stack frame's location: `at fn (file:line:col)` or `at file:line:col`. */
const FRAME = /^\s+at (?:.*? \()?(.+):(\d+):(\d+)\)?$/;

export function loadFailureOf(err: unknown, cwd: string): LoadFailure {
  const message = messageOf(err);
  const compiled = COMPILE_ERROR.exec(message);
  if (compiled) {
    const [, file = '', line = '', column = '', text = ''] = compiled;
    return { message: text, location: `${shown(file, cwd)}:${line}:${Number(column) + 1}`, compile: true };
  }
  const frame = userFrameOf(err);
  return { message, compile: false, ...(frame ? { location: `${shown(frame.file, cwd)}:${frame.position}` } : {}) };
}

/** The first frame of `err`'s stack in a file of the user's: not Node's, not a package's, not orderflow's. */
function userFrameOf(err: unknown): { file: string; position: string } | undefined {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return undefined;
  for (const line of err.stack.split('\n')) {
    const [, where, lineNo, column] = FRAME.exec(line) ?? [];
    const file = where && fileOf(where);
    if (file && isUsers(file)) return { file, position: `${lineNo}:${column}` };
  }
  return undefined;
}

/** A frame's file as a path; undefined for node:, data: and other non-file locations. */
function fileOf(where: string): string | undefined {
  if (where.startsWith('file://')) return fileURLToPath(where);
  return path.isAbsolute(where) ? where : undefined;
}

/** A file of the user's own project: not in node_modules, not orderflow's. */
export function isUsers(file: string): boolean {
  return !file.split(path.sep).includes('node_modules') && !file.startsWith(OWN_CODE + path.sep);
}

function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
