'use strict';
// Locates and builds the server binaries orderflow runs against. Dependency-free on purpose:
// `npm start` and `npm test` run it before `npm ci` has installed anything.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * The binaries, pinned. Each is built once with `go install` into a per-user cache folder keyed
 * by version, so every clone of the project (CI's included) reuses it. A tool whose binary has a
 * generic name (`server`, `sql`) is never looked up on PATH (`pathLookup: false`): whatever
 * program of that name a machine has is not it.
 * A tool whose module needs a newer Go than the machine's names the toolchain (`toolchain`): the
 * go command fetches that approved version from the module proxy like any module.
 * @type {Record<string, {version: string, module: string, binary: string, envVar: string, purpose: string, pathLookup?: boolean, toolchain?: string}>}
 */
const TOOLS = {
  temporal: {
    version: 'v1.5.1', // later versions carry a `replace` directive that `go install` refuses
    module: 'github.com/temporalio/cli/cmd/temporal',
    binary: 'temporal',
    envVar: 'TEMPORAL_BIN',
    purpose: 'the Temporal CLI, which contains the Temporal dev server',
  },
  'nats-server': {
    version: 'v2.12.2',
    module: 'github.com/nats-io/nats-server/v2',
    binary: 'nats-server',
    envVar: 'NATS_SERVER_BIN',
    purpose: 'the NATS server with JetStream',
  },
  nats: {
    version: 'v0.5.0',
    module: 'github.com/nats-io/natscli/nats',
    binary: 'nats',
    envVar: 'NATS_BIN',
    purpose: "the `nats` CLI, used by tests that run the seed's own commands",
  },
  // The server release the pinned CLI embeds (its go.mod), for the cluster tests on PostgreSQL.
  'temporal-server': {
    version: 'v1.29.1',
    module: 'go.temporal.io/server/cmd/server',
    binary: 'server',
    envVar: 'TEMPORAL_SERVER_BIN',
    purpose: 'the Temporal server, run on PostgreSQL by the cluster tests',
    pathLookup: false,
  },
  // The first server release with time skipping per execution (frontend.WorkflowTimeSkippingEnabled),
  // run on in-memory SQLite by the testing kit's pipeline tests (local/testing/time-skipping-server.ts).
  'temporal-time-skipping': {
    version: 'v1.32.2',
    module: 'go.temporal.io/server/cmd/server',
    binary: 'server',
    envVar: 'TEMPORAL_TIME_SKIPPING_BIN',
    purpose: "the Temporal server whose time skipping the testing kit's pipeline tests use",
    pathLookup: false,
    toolchain: 'go1.27.3', // the module's go.mod asks for go 1.26.10
  },
  'temporal-sql-tool': {
    version: 'v1.29.1',
    module: 'go.temporal.io/server/cmd/tools/sql',
    binary: 'sql',
    envVar: 'TEMPORAL_SQL_TOOL_BIN',
    purpose: "temporal-sql-tool, which creates the Temporal server's PostgreSQL databases and schemas",
    pathLookup: false,
  },
};

/** @param {NodeJS.ProcessEnv} env */
function toolsDir(env = process.env) {
  if (env.ORDERFLOW_TOOLS_DIR) return path.resolve(env.ORDERFLOW_TOOLS_DIR);
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'orderflow', 'tools');
}

/** @param {string} name @param {NodeJS.ProcessEnv} env */
function cachedPath(name, env = process.env) {
  const tool = spec(name);
  return path.join(toolsDir(env), `${name}-${tool.version}`, tool.binary);
}

/** @param {string} name */
function spec(name) {
  const tool = TOOLS[name];
  if (!tool) throw new Error(`unknown tool "${name}"; known: ${Object.keys(TOOLS).join(', ')}`);
  return tool;
}

/** @param {string} file */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @param {string} binary @param {NodeJS.ProcessEnv} env */
function findOnPath(binary, env = process.env) {
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, binary))) return path.join(dir, binary);
  }
  return undefined;
}

/**
 * Where a tool is, without building anything: the override variable, the cache, then PATH (unless
 * the tool says no).
 * @param {string} name
 * @param {NodeJS.ProcessEnv} env
 * @returns {{path: string, source: 'env' | 'cache' | 'path'} | undefined}
 */
function locateTool(name, env = process.env) {
  const tool = spec(name);
  const override = env[tool.envVar];
  if (override) {
    if (!isExecutable(override)) {
      throw new Error(`${tool.envVar}=${override} is not an executable file; unset it or point it at ${tool.binary}`);
    }
    return { path: override, source: 'env' };
  }
  const cached = cachedPath(name, env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  if (tool.pathLookup === false) return undefined;
  const onPath = findOnPath(tool.binary, env);
  return onPath ? { path: onPath, source: 'path' } : undefined;
}

/** Version string a binary reports, or 'unknown'. @param {string} file */
function reportedVersion(file) {
  const out = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const text = `${out.stdout || ''}${out.stderr || ''}`.trim().split('\n')[0] || '';
  const match = /v?\d+\.\d+\.\d+/.exec(text);
  return match ? (match[0].startsWith('v') ? match[0] : `v${match[0]}`) : 'unknown';
}

/**
 * Builds a tool into the cache with `go install`, atomically (a half-built binary is never
 * left where locateTool would pick it up).
 * @param {string} name
 * @param {{env?: NodeJS.ProcessEnv, onProgress?: (line: string) => void}} options
 * @returns {Promise<string>} the built binary's path
 */
function buildTool(name, { env = process.env, onProgress = () => {} } = {}) {
  const tool = spec(name);
  const target = cachedPath(name, env);
  const staging = fs.mkdtempSync(path.join(toolsDir(env), `.build-${name}-`));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['install', `${tool.module}@${tool.version}`], {
      env: {
        ...env,
        GOBIN: staging,
        GOFLAGS: env.GOFLAGS || '-mod=mod',
        ...(tool.toolchain ? { GOTOOLCHAIN: tool.toolchain } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (/** @type {Buffer} */ chunk) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const ticker = setInterval(() => {
      onProgress(`still building ${name} ${tool.version} (${Math.round((Date.now() - started) / 1000)} s)`);
    }, 15_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      fs.rmSync(staging, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      const built = path.join(staging, tool.binary);
      if (code !== 0 || !isExecutable(built)) {
        fs.rmSync(staging, { recursive: true, force: true });
        reject(new Error(`go install ${tool.module}@${tool.version} failed (exit ${code}):\n${output.trim()}`));
        return;
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(built, target);
      fs.rmSync(staging, { recursive: true, force: true });
      resolve(target);
    });
  });
}

/** Package managers that have a tool. @type {Record<string, string>} */
const PACKAGE_HINTS = {
  'nats-server': 'Debian/Ubuntu: `apt-get install nats-server`; macOS: `brew install nats-server`',
  temporal: 'macOS: `brew install temporal`',
  nats: 'macOS: `brew install nats-io/nats-tools/nats`',
};

/** How to get a tool by hand, for the one message shown when neither it nor Go is available. @param {string} name */
function installHint(name) {
  const tool = spec(name);
  return [
    `orderflow needs ${tool.purpose} (${tool.binary}), and neither it nor Go was found.`,
    `Either install Go 1.22+ (Linux: your package manager or https://go.dev/dl, macOS: \`brew install go\`)`,
    `and run this command again, or install ${tool.binary} yourself and ${
      tool.pathLookup === false ? `set ${tool.envVar} to its path` : `put it on PATH or in ${tool.envVar}`
    }:`,
    `  go install ${tool.module}@${tool.version}`,
    ...(PACKAGE_HINTS[name] ? [`  (${PACKAGE_HINTS[name]})`] : []),
  ].join('\n');
}

module.exports = { TOOLS, toolsDir, cachedPath, locateTool, buildTool, findOnPath, reportedVersion, installHint };
