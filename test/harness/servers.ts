/**
 * Real servers for integration tests: each on free ports with its own temporary data folder,
 * stopped and removed after the test file (see after-each-file.ts), killed by the global
 * teardown if anything is left.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { LaunchedServer } from '../../local/servers/launched-server';
import { NatsServer } from '../../local/servers/nats-server';
import { freePort, startWithPortRetry } from '../../local/servers/ports';
import { TemporalServer } from '../../local/servers/temporal-server';
import { toolPath } from './tools';

const started: LaunchedServer[] = [];
const folders: string[] = [];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `orderflow-${prefix}-`));
  folders.push(dir);
  return dir;
}

export async function startNats(options: { binary?: string } = {}): Promise<NatsServer> {
  const server = await startWithPortRetry(async () => {
    const dir = tempDir('nats');
    return NatsServer.start({
      binary: options.binary ?? toolPath('nats-server'),
      port: await freePort(),
      storeDir: path.join(dir, 'store'),
      logFile: path.join(dir, 'nats-server.log'),
      pidRegistryDir: process.env.ORDERFLOW_TEST_PID_REGISTRY,
    });
  });
  started.push(server);
  return server;
}

export async function startTemporal(
  options: {
    searchAttributes?: Record<string, string>;
    dynamicConfig?: Record<string, string | number | boolean>;
  } = {},
): Promise<TemporalServer> {
  // A fresh folder per attempt: no attempt starts on what a failed one left.
  const server = await startWithPortRetry(async () => {
    const dir = tempDir('temporal');
    return TemporalServer.start({
      binary: toolPath('temporal'),
      port: await freePort(),
      dbFile: path.join(dir, 'temporal.db'),
      logFile: path.join(dir, 'temporal.log'),
      searchAttributes: options.searchAttributes,
      dynamicConfig: options.dynamicConfig,
      pidRegistryDir: process.env.ORDERFLOW_TEST_PID_REGISTRY,
    });
  });
  started.push(server);
  return server;
}

/** Stops every server this test file started and removes their folders. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(started.splice(0).map((s) => s.stop(5000)));
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
