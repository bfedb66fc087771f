/**
 * The dev server orderflow starts (npm start, the tests, the bench) writes each task queue's tasks
 * to one partition unless told otherwise and orders backlogs by priority and fairness, and a
 * caller's dynamic config replaces those defaults rather than being given twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { devServerArgs, readPartitionsConfig } from '../../local/servers/temporal-server';

const base = { binary: 'temporal', port: 7233, dbFile: '/tmp/x/temporal.db' };

function dynamicValues(args: readonly string[]): string[] {
  return args.flatMap((arg, i) => (args[i - 1] === '--dynamic-config-value' ? [arg] : []));
}

describe('readPartitionsConfig', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-partitions-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads one partition on a data file it creates, and again when it starts on it later', () => {
    const db = path.join(dir, 'temporal.db');
    expect(readPartitionsConfig(db)).toEqual({ 'matching.numTaskqueueReadPartitions': 1 });
    fs.writeFileSync(db, 'the server wrote it');
    expect(readPartitionsConfig(db)).toEqual({ 'matching.numTaskqueueReadPartitions': 1 });
  });

  it('keeps the four reads that drain other partitions on a data file written before the marker', () => {
    const db = path.join(dir, 'temporal.db');
    fs.writeFileSync(db, 'an older orderflow wrote it');
    expect(readPartitionsConfig(db)).toEqual({});
    expect(fs.existsSync(`${db}.one-partition`)).toBe(false);
  });
});

describe('devServerArgs', () => {
  it('writes tasks to one partition, leaves reads at the server default, and turns priority and fairness on', () => {
    const values = dynamicValues(devServerArgs(base));
    expect(values).toEqual([
      'matching.numTaskqueueWritePartitions=1',
      'matching.useNewMatcher=true',
      'matching.enableFairness=true',
    ]);
  });

  it("lets the caller's dynamic config override the default and add to it", () => {
    const values = dynamicValues(
      devServerArgs({
        ...base,
        dynamicConfig: { 'matching.numTaskqueueWritePartitions': 4, 'frontend.namespaceRPS': 5 },
      }),
    );
    expect(values).toEqual([
      'matching.numTaskqueueWritePartitions=4',
      'matching.useNewMatcher=true',
      'matching.enableFairness=true',
      'frontend.namespaceRPS=5',
    ]);
  });

  it('starts headless on the given address and SQLite file', () => {
    const args = devServerArgs(base);
    expect(args.slice(0, 8)).toEqual([
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      '7233',
      '--db-filename',
      '/tmp/x/temporal.db',
    ]);
    expect(args).toContain('--headless');
  });
});
