/**
 * What a project `orderflow init` writes is made of: its language, its functions module, the
 * versions it takes from the orderflow writing it, and the commands that run it.
 */

/** A server binary `orderflow dev` runs, and how to get it (from scripts/tools.js). */
export interface ServerTool {
  /** `nats-server`, `temporal`. */
  readonly binary: string;
  /** Variable naming the binary's path instead of the cache or PATH. */
  readonly envVar: string;
  /** `go install` argument: module@version. */
  readonly goInstall: string;
}

/** The language of the written project: TypeScript (the default) or JavaScript (`--javascript`). */
export type ProjectLanguage = 'typescript' | 'javascript';

/** The versions orderflow itself builds and tests with, which a TypeScript project's tools take. */
export interface ToolRanges {
  readonly typescript: string;
  readonly tsx: string;
  readonly typesNode: string;
}

export interface ProjectVariables {
  /** The project's npm package name. */
  readonly name: string;
  readonly language: ProjectLanguage;
  /** Dependency spec of orderflow: `^0.2.0`, a tarball's path. */
  readonly orderflowSpec: string;
  /** orderflow's engines.node range. */
  readonly nodeRange: string;
  readonly tools: ToolRanges;
  /** The servers `orderflow dev` runs. */
  readonly servers: readonly ServerTool[];
  /** The server the testing kit's pipeline tests run (TypeScript projects have one). */
  readonly testServer: ServerTool;
}

/** The functions module each language's project has. */
export const FUNCTIONS_MODULE: Readonly<Record<ProjectLanguage, string>> = {
  typescript: 'src/functions.ts',
  javascript: './functions.js',
};

/** The commands from a written project to a running one, as the README and `init` print them. */
export function nextCommands(language: ProjectLanguage): readonly string[] {
  return ['npm install', 'npm test', `npx orderflow dev --functions ${FUNCTIONS_MODULE[language]}`];
}
