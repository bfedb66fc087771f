#!/usr/bin/env node
'use strict';
// The step npm runs before `start`, `test` and `bench`: installs the npm dependencies from the
// lockfile when they are missing or stale, makes sure the server binaries exist (building them
// once into the per-user cache), then compiles the TypeScript. Dependency-free on purpose.
//
//   node scripts/ensure.js start   temporal + nats-server
//   node scripts/ensure.js test    the same, plus the `nats` CLI the seed-comparison tests run, the
//                                  Temporal server whose time skipping the testing kit uses, and
//                                  Debian's chromium for the dashboard's browser test (as root, apt-get)
//   node scripts/ensure.js cluster the same servers, plus the Temporal server and its schema tool that the
//                                  cluster tests run on PostgreSQL (a long first build: never for test or start)
//   node scripts/ensure.js pack    no servers: what `npm pack` puts in the package
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tools = require('./tools.js');

const root = path.resolve(__dirname, '..');
const purposes = {
  start: ['temporal', 'nats-server'],
  bench: ['temporal', 'nats-server'],
  test: ['temporal', 'nats-server', 'nats', 'temporal-time-skipping'],
  cluster: ['temporal', 'nats-server', 'nats', 'temporal-server', 'temporal-sql-tool'],
  // `npm pack`: the compiled output and the workflow bundle only.
  pack: [],
};

function say(line) {
  process.stderr.write(`orderflow: ${line}\n`);
}

function fail(message) {
  process.stderr.write(`orderflow: ${message}\n`);
  process.exit(1);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node.js ${process.versions.node} is too old: orderflow needs Node.js 20.19 or newer (https://nodejs.org).`);
  }
}

function ensureDependencies() {
  const lockfile = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.orderflow-installed');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(lockfile)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  say('installing npm dependencies from package-lock.json (npm ci)');
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const result = spawnSync(npm[0], [...npm[1], 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail('`npm ci` failed (see above); fix the error and run the command again.');
  fs.writeFileSync(stamp, hash);
}

function hasGo() {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

async function ensureTool(name) {
  let found = tools.locateTool(name);
  if (found && found.source !== 'path') return found;
  // A pinned build is preferred over whatever happens to be on PATH (Debian ships nats-server 2.9).
  if (hasGo()) {
    const tool = tools.TOOLS[name];
    say(`building ${name} ${tool.version} with go install (first run only; cached in ${tools.toolsDir()})`);
    const started = Date.now();
    try {
      const built = await tools.buildTool(name, { onProgress: say });
      say(`built ${name} ${tool.version} in ${Math.round((Date.now() - started) / 1000)} s`);
      return { path: built, source: 'cache' };
    } catch (err) {
      if (!found) fail(`${err.message}\n\n${tools.installHint(name)}`);
      say(`${err.message}\nfalling back to ${found.path}`);
    }
  }
  if (!found) fail(tools.installHint(name));
  return found;
}

// The dashboard's browser test drives Debian's chromium through playwright-core, which never
// downloads a browser of its own. Without it that test is skipped, saying why; nothing else needs it.
const CHROMIUM = '/usr/bin/chromium';

function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    const why = apt ? 'not running as root' : 'no apt-get here';
    say(`${CHROMIUM} is missing (${why}): the dashboard browser test will be skipped; install chromium to run it`);
    return;
  }
  say(`installing chromium for the dashboard browser test (apt-get install chromium; first run only)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) {
      say(`apt-get ${args[0]} failed (see above): the dashboard browser test will be skipped`);
      return;
    }
  }
}

function compile() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) fail('TypeScript compilation failed (see above).');
  const bundle = spawnSync(process.execPath, [path.join(root, 'dist', 'worker', 'bundle.js')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (bundle.status !== 0) fail('bundling the workflows failed (see above).');
}

async function main() {
  const purpose = process.argv[2] || 'start';
  const needed = purposes[purpose];
  if (!needed) fail(`unknown purpose "${purpose}"; use one of: ${Object.keys(purposes).join(', ')}`);
  checkNode();
  ensureDependencies();
  fs.mkdirSync(tools.toolsDir(), { recursive: true });
  let resolved;
  try {
    resolved = await Promise.all(needed.map(async (name) => ({ name, ...(await ensureTool(name)) })));
  } catch (err) {
    fail(err.message);
  }
  for (const { name, path: file, source } of resolved) {
    say(
      `using ${name} ${source === 'cache' ? tools.TOOLS[name].version : tools.reportedVersion(file)} from ${source}: ${file}`,
    );
  }
  if (purpose === 'test') ensureChromium();
  compile();
}

main().catch((err) => fail(err.stack || String(err)));
