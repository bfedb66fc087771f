/**
 * The house's rooms (README "Development"): lint refuses an import that runs against the written
 * direction, and each room's README names every folder it holds, so neither can drift from the
 * code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from '../harness/paths';

const ROOMS = ['cli', 'local', 'operate', 'bridge', 'worker', 'shared', 'activities', 'workflows'];

type Case = readonly [file: string, source: string];

/** A file that exists only as text, in `room`. */
const fixture = (room: string): string => path.join(room, 'fixture.ts');

// Each imports a room that its file's room may not: one above it, or a peer.
const AGAINST: readonly Case[] = [
  [fixture('shared'), "import { Bridge } from '../bridge/bridge';\nexport const used = Bridge;\n"],
  [
    fixture('bridge'),
    "import { createOrderflowWorker } from '../worker/worker';\nexport const used = createOrderflowWorker;\n",
  ],
  [fixture('operate'), "import { Bridge } from '../bridge/bridge';\nexport const used = Bridge;\n"],
  [fixture('worker'), "import { startDev } from '../local/dev/dev';\nexport const used = startDev;\n"],
  [fixture('local'), "import { registerStatus } from '../cli/commands/status';\nexport const used = registerStatus;\n"],
  [fixture('activities'), "import { ConfigError } from '../shared/errors';\nexport const used = ConfigError;\n"],
];
const ALONG: Case = [
  fixture('operate'),
  "import { ConfigError } from '../shared/errors';\nexport const used = ConfigError;\n",
];

/**
 * Lints each source as if it were that file of the repository, with the project's own ESLint
 * config, in one child process (ESLint loads its config as an ES module, which jest's CommonJS
 * sandbox cannot). Returns each case's messages as `rule: message`.
 */
function lintAs(cases: readonly Case[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    // The fixtures exist only as text: the project service takes them as files of a default project.
    const eslint = new ESLint({
      cwd: process.cwd(),
      overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*/fixture.ts'] } } } },
    });
    const out = [];
    for (const [file, source] of cases) {
      const [result] = await eslint.lintText(source, { filePath: file });
      out.push(result.messages.map((m) => (m.ruleId ?? 'parse') + ': ' + m.message));
    }
    process.stdout.write(JSON.stringify(out));`;
  const args = ['--input-type=module', '-e', script, JSON.stringify(cases.map(([f, s]) => [path.join(ROOT, f), s]))];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' })) as string[][];
}

describe('layout - the direction of imports', () => {
  it('layout - lint refuses each import against the direction, and accepts one along it', () => {
    const [along, ...against] = lintAs([ALONG, ...AGAINST]);
    expect(along).toEqual([]);
    const refused: unknown = expect.stringMatching(
      /^import-x\/no-restricted-paths: .*may import only the rooms below it/,
    );
    expect(against).toEqual(AGAINST.map(() => [refused]));
  }, 120_000);
});

describe('layout - every room says what it holds', () => {
  it.each(ROOMS)('layout - the room %s: its README names each of its folders, and only those', (room) => {
    const readme = fs.readFileSync(path.join(ROOT, room, 'README.md'), 'utf8');
    expect(readme.split('\n')[0]).toMatch(new RegExp(`^# ${room}/`));
    const folders = fs
      .readdirSync(path.join(ROOT, room), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${e.name}/`)
      .sort();
    const named = [...readme.matchAll(/^- `([a-z-]+\/)`/gm)].map((m) => m[1]).sort();
    expect(named).toEqual(folders);
  });
});
