/**
 * A missing server binary, as `orderflow dev` meets it in an installed package (no repository, no
 * `npm start`): built when Go is on PATH, otherwise a message that holds wherever orderflow runs.
 * Nothing is built here: the build is a fake, and "Go" an empty executable file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MissingToolError } from '../../shared/errors';
import type { BuildTool } from '../../local/servers/binaries';
import { binaryPath, ensureBinary, missingToolMessage } from '../../local/servers/binaries';

const TEMPORAL_INSTALL = 'go install github.com/temporalio/cli/cmd/temporal@v1.5.1';

describe('servers - a missing server binary', () => {
  let dir: string;
  let toolsDir: string;
  let emptyPath: string;
  let goPath: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-binaries-'));
    toolsDir = path.join(dir, 'tools');
    emptyPath = path.join(dir, 'empty-bin');
    goPath = path.join(dir, 'go-bin');
    fs.mkdirSync(emptyPath);
    fs.mkdirSync(goPath);
    fs.writeFileSync(path.join(goPath, 'go'), '', { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** An environment in which the tool is nowhere: not in its variable, the cache or on PATH. */
  const env = (pathDir: string): NodeJS.ProcessEnv => ({ PATH: pathDir, ORDERFLOW_TOOLS_DIR: toolsDir });
  const refusingBuild: BuildTool = () => Promise.reject(new Error('the test builds nothing'));

  it('servers - without Go: how to get Go or the tool, and where to put it; nothing a clone alone has', async () => {
    const build = jest.fn(refusingBuild);
    const failure = await ensureBinary('temporal', { env: env(emptyPath), build }).catch((err: unknown) => err);
    expect(build).not.toHaveBeenCalled();
    expect(failure).toBeInstanceOf(MissingToolError);
    const message = (failure as Error).message;
    expect(message).toContain('neither it nor Go was found');
    expect(message).toContain(TEMPORAL_INSTALL);
    expect(message).toContain('PATH');
    expect(message).toContain('TEMPORAL_BIN');
    expect(message).toContain(path.join(toolsDir, 'temporal-v1.5.1', 'temporal'));
    expect(message).toContain('ORDERFLOW_TOOLS_DIR');
    expect(message).not.toMatch(/npm (start|test|run)/);
    // binaryPath (no building) says the same.
    expect(() => binaryPath('temporal', env(emptyPath))).toThrow(message);
  });

  it('servers - with Go on PATH: builds the tool, telling its progress, and uses what it built', async () => {
    const built = path.join(toolsDir, 'nats-server-v2.12.2', 'nats-server');
    const build = jest.fn<ReturnType<BuildTool>, Parameters<BuildTool>>(async (_name, { onProgress }) => {
      onProgress('still building nats-server v2.12.2 (15 s)');
      return Promise.resolve(built);
    });
    const progress: string[] = [];
    const found = await ensureBinary('nats-server', {
      env: env(goPath),
      build,
      onProgress: (line) => progress.push(line),
    });
    expect(found).toBe(built);
    expect(build).toHaveBeenCalledWith('nats-server', expect.objectContaining({ env: env(goPath) }));
    expect(fs.existsSync(toolsDir)).toBe(true);
    expect(progress).toEqual([
      `nats-server not found; building v2.12.2 with go install (first run only; kept in ${toolsDir})`,
      'still building nats-server v2.12.2 (15 s)',
      expect.stringMatching(/^built nats-server v2\.12\.2 in \d+ s$/),
    ]);
  });

  it('servers - a failed build: its error and how to install the tool by hand, not "Go was not found"', async () => {
    const build: BuildTool = () => Promise.reject(new Error('go install github.com/... failed (exit 1):\nno network'));
    const failure = await ensureBinary('temporal', { env: env(goPath), build }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MissingToolError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^building temporal v1\.5\.1 with Go failed:\ngo install .* failed \(exit 1\):\nno network\n/,
    );
    expect(message).toContain(TEMPORAL_INSTALL);
    expect(message).toContain('TEMPORAL_BIN');
    expect(message).not.toContain('neither it nor Go was found');
    expect(message).not.toMatch(/npm (start|test|run)/);
  });

  it('servers - a tool already in the cache is used as it is, whether or not Go is there', async () => {
    const cached = path.join(toolsDir, 'temporal-v1.5.1', 'temporal');
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(cached, '', { mode: 0o755 });
    const build = jest.fn(refusingBuild);
    await expect(ensureBinary('temporal', { env: env(goPath), build })).resolves.toBe(cached);
    expect(binaryPath('temporal', env(emptyPath))).toBe(cached);
    expect(build).not.toHaveBeenCalled();
  });

  it('servers - the message for each tool names its own go install line', () => {
    expect(missingToolMessage('nats-server', { go: 'absent' }, env(emptyPath))).toContain(
      'go install github.com/nats-io/nats-server/v2@v2.12.2',
    );
    expect(missingToolMessage('nats-server', { go: 'failed', error: 'x' }, env(emptyPath))).toContain(
      'NATS_SERVER_BIN',
    );
  });
});
