/**
 * Where a functions module failed to load: esbuild's compile error (through tsx) and the first
 * frame of a thrown error's stack that is the user's, never a package's, Node's or orderflow's.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { loadFailureOf } from '../../worker/load-failure';

const PROJECT = '/home/shop';
const OWN = path.resolve(__dirname, '..', '..', 'activities', 'define.ts');

function thrown(message: string, frames: readonly string[]): Error {
  const err = new Error(message);
  err.stack = [`Error: ${message}`, ...frames.map((frame) => `    at ${frame}`)].join('\n');
  return err;
}

describe('load failure - where a functions module failed', () => {
  it("load failure - esbuild's compile error: its text, and its file and line with a 1-based column", () => {
    const err = new Error(
      'Transform failed with 1 error:\n/home/shop/src/functions.ts:3:52: ERROR: Expected "]" but found ":"',
    );
    err.name = 'TransformError';
    expect(loadFailureOf(err, PROJECT)).toEqual({
      message: 'Expected "]" but found ":"',
      location: 'src/functions.ts:3:53',
      compile: true,
    });
    // Of several errors, the first; a file outside the working directory keeps its absolute path.
    const two = new Error(
      'Transform failed with 2 errors:\n/srv/lib.ts:1:0: ERROR: Unexpected "?"\n/srv/lib.ts:9:4: ERROR: x',
    );
    expect(loadFailureOf(two, PROJECT)).toEqual({
      message: 'Unexpected "?"',
      location: '/srv/lib.ts:1:1',
      compile: true,
    });
  });

  it("load failure - a thrown error: the first frame in the user's files, past Node's, packages' and orderflow's own", () => {
    const err = thrown('pipeline dispatch: names function a again', [
      `definePipeline (${OWN}:120:11)`,
      'fail (/home/shop/node_modules/orderflow/dist/activities/define.js:88:9)',
      `${pathToFileURL('/home/shop/src/functions.ts').href}:14:16`,
      'ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
    ]);
    expect(loadFailureOf(err, PROJECT)).toEqual({
      message: 'pipeline dispatch: names function a again',
      location: 'src/functions.ts:14:16',
      compile: false,
    });
    const inLib = thrown('no stock', ['check (/opt/lib/check.ts:2:20)', '<anonymous> (/home/shop/functions.ts:3:1)']);
    expect(loadFailureOf(inLib, PROJECT).location).toBe('/opt/lib/check.ts:2:20');
  });

  it('load failure - no location where the stack names no file of the user, or there is no stack', () => {
    const dataUrl = thrown('boom', [
      'data:text/javascript,throw%20new%20Error()?filePath=x:2:849',
      'node:internal/x:1:1',
    ]);
    expect(loadFailureOf(dataUrl, PROJECT)).toEqual({ message: 'boom', compile: false });
    expect(loadFailureOf('a string', PROJECT)).toEqual({ message: 'a string', compile: false });
  });
});
