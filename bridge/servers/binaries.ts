/** The server binaries, found as `npm start`/`npm test` left them (see scripts/tools.js). */
import { MissingToolError } from '../errors';

export type ToolName = 'temporal' | 'nats-server' | 'nats';

interface ToolsModule {
  locateTool(name: ToolName): { path: string; source: 'env' | 'cache' | 'path' } | undefined;
  findOnPath(binary: string): string | undefined;
  reportedVersion(file: string): string;
  installHint(name: ToolName): string;
}

// scripts/tools.js is plain CommonJS so that it runs before any dependency is installed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require('../../scripts/tools.js') as ToolsModule;

/** Path of a tool; a MissingToolError saying how to get it when it is nowhere. */
export function binaryPath(name: ToolName): string {
  let found;
  try {
    found = tools.locateTool(name);
  } catch (err) {
    throw new MissingToolError(err instanceof Error ? err.message : String(err));
  }
  if (!found)
    throw new MissingToolError(`${tools.installHint(name)}\n(\`npm start\` and \`npm test\` build it for you.)`);
  return found.path;
}

export const findOnPath = (binary: string): string | undefined => tools.findOnPath(binary);
export const reportedVersion = (file: string): string => tools.reportedVersion(file);
