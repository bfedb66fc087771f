/**
 * Every package the lockfile installs runs on the oldest Node orderflow declares (package.json
 * engines, >=20.19): otherwise every install warns EBADENGINE, as @nats-io/nuid 3 (node >= 22) made
 * it do, and the package promises a Node its dependencies refuse. Ranges are read as npm reads
 * them (node-semver's grammar: `||`, hyphen ranges, comparators, ^, ~ and x-ranges); the reader
 * lives here because the check must not depend on what the lockfile happens to install.
 */
import fs from 'node:fs';
import path from 'node:path';

import { ROOT } from '../harness/paths';

type Version = readonly [number, number, number];
/** A partial version: `20`, `20.19`, `20.x`; undefined parts are wildcards. */
type Partial = readonly [number | undefined, number | undefined, number | undefined];

function partial(text: string): Partial {
  const core = text.replace(/^[v=]+/, '').split(/[-+]/)[0]!;
  const parts = core.split('.').map((p) => (p === '' || /^[xX*]$/.test(p) ? undefined : Number(p)));
  return [parts[0], parts[1], parts[2]];
}

const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const floorOf = (p: Partial): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
/** The first version above every one `p` names (`20` -> 21.0.0, `20.19` -> 20.20.0). */
function above(p: Partial): Version {
  if (p[0] === undefined) return [Infinity, 0, 0];
  if (p[1] === undefined) return [p[0] + 1, 0, 0];
  if (p[2] === undefined) return [p[0], p[1] + 1, 0];
  return [p[0], p[1], p[2] + 1];
}

function comparatorAdmits(v: Version, comparator: string): boolean {
  const [, op = '', rest = ''] = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(comparator)!;
  const p = partial(rest);
  switch (op) {
    case '>=':
      return cmp(v, floorOf(p)) >= 0;
    case '>':
      return p[2] === undefined ? cmp(v, above(p)) >= 0 : cmp(v, floorOf(p)) > 0;
    case '<':
      return cmp(v, floorOf(p)) < 0;
    case '<=':
      return cmp(v, above(p)) < 0;
    case '^': {
      const upper: Partial =
        p[0] !== 0 || p[1] === undefined ? [p[0], undefined, undefined] : p[1] !== 0 ? [0, p[1], undefined] : p;
      return cmp(v, floorOf(p)) >= 0 && cmp(v, above(upper)) < 0;
    }
    case '~':
      return cmp(v, floorOf(p)) >= 0 && cmp(v, above(p[1] === undefined ? p : [p[0], p[1], undefined])) < 0;
    default: // '=' or none: an x-range, or one exact version
      return cmp(v, floorOf(p)) >= 0 && cmp(v, above(p)) < 0;
  }
}

/** Whether version `v` satisfies the range, as npm's engines check reads it. */
function admits(v: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const text = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) {
      const [from, to] = [partial(hyphen[1]!), partial(hyphen[2]!)];
      return cmp(v, floorOf(from)) >= 0 && cmp(v, above(to)) < 0;
    }
    return text === '' || text.split(/\s+/).every((comparator) => comparatorAdmits(v, comparator));
  });
}

interface LockedPackage {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
}

describe('engines - the dependencies run on the Node orderflow declares', () => {
  const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };

  it('engines - the range reader reads the ranges npm packages declare as npm does', () => {
    const v20_19: Version = [20, 19, 0];
    const cases: Array<[string, boolean]> = [
      ['>=20.19', true],
      ['>= 22.x', false],
      ['>=18.x', true],
      ['^20.19.0 || ^22.13.0 || >=24', true],
      ['^20.20.0 || >=22', false],
      ['20 || >=22', true],
      ['18 || 20 || >=22', true],
      ['>=16 || 14 >=14.17', true],
      ['6.* || 8.* || >= 10.*', true],
      ['^18.14.0 || ^20.0.0 || ^22.0.0 || >=24.0.0', true],
      ['>=12 <20', false],
      ['>20', false],
      ['>20.18', true],
      ['<=20.19', true],
      ['~20.18.0', false],
      ['~20', true],
      ['18 - 20.18', false],
      ['18 - 20', true],
      ['*', true],
      ['', true],
    ];
    expect(cases.map(([range]) => [range, admits(v20_19, range)])).toEqual(cases);
  });

  it('engines - every locked package admits the oldest Node of package.json engines', () => {
    const floor = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(own.engines.node);
    expect(floor).not.toBeNull(); // a floor: what the promise to users is
    const oldest: Version = [Number(floor![1]), Number(floor![2]), Number(floor![3] ?? 0)];
    const refusing = Object.entries(lock.packages).flatMap(([where, pkg]) => {
      const node = Array.isArray(pkg.engines) ? undefined : (pkg.engines as { node?: string } | undefined)?.node;
      return node === undefined || admits(oldest, node) ? [] : [`${where}@${pkg.version}: node ${node}`];
    });
    expect(refusing).toEqual([]);
  });
});
