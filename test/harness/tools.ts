/** The server binaries tests run, found the way `orderflow` finds them (scripts/tools.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require('../../scripts/tools.js') as {
  locateTool(name: string): { path: string; source: string } | undefined;
  findOnPath(binary: string): string | undefined;
  reportedVersion(file: string): string;
};

export function toolPath(name: 'temporal' | 'nats-server' | 'nats'): string {
  const found = tools.locateTool(name);
  if (!found) throw new Error(`${name} is missing: run the tests with \`npm test\`, whose pretest step builds it`);
  return found.path;
}

export interface NatsServerBinary {
  readonly path: string;
  readonly version: string;
}

/**
 * Every nats-server version the compatibility tests run against: the pinned build and, when
 * there is one, an older one on PATH (Debian's 2.9). On CI the older one must exist, so that
 * compatibility with 2.9 is always checked there rather than silently skipped.
 */
export function natsServerVersions(): NatsServerBinary[] {
  const pinned = toolPath('nats-server');
  const versions = [{ path: pinned, version: tools.reportedVersion(pinned) }];
  const legacy = process.env.NATS_SERVER_LEGACY_BIN ?? tools.findOnPath('nats-server');
  if (legacy && legacy !== pinned) {
    const version = tools.reportedVersion(legacy);
    if (version !== versions[0]!.version) versions.push({ path: legacy, version });
  }
  if (process.env.CI && versions.length < 2) {
    throw new Error(
      'CI must test against a second, older nats-server (Debian: apt-get install nats-server, or set NATS_SERVER_LEGACY_BIN)',
    );
  }
  return versions;
}
