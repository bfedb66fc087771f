/** The server binaries tests run, found the way `orderflow` finds them. */
import { binaryPath, findOnPath, reportedVersion } from '../../local/servers/binaries';

export const toolPath = binaryPath;

export interface NatsServerBinary {
  readonly path: string;
  readonly version: string;
  /** The build `npm test` pins (the newest supported); false for the older one. */
  readonly pinned: boolean;
}

/**
 * Every nats-server version the compatibility tests run against: the pinned build and, when
 * there is one, an older one on PATH (Debian's 2.9). On CI the older one must exist, so that
 * compatibility with 2.9 is always checked there rather than silently skipped.
 */
export function natsServerVersions(): NatsServerBinary[] {
  const pinned = binaryPath('nats-server');
  const versions: NatsServerBinary[] = [{ path: pinned, version: reportedVersion(pinned), pinned: true }];
  const legacy = process.env.NATS_SERVER_LEGACY_BIN ?? findOnPath('nats-server');
  if (legacy && legacy !== pinned) {
    const version = reportedVersion(legacy);
    if (version !== versions[0]!.version) versions.push({ path: legacy, version, pinned: false });
  }
  if (process.env.CI && versions.length < 2) {
    throw new Error(
      'CI must test against a second, older nats-server (Debian: apt-get install nats-server, or set NATS_SERVER_LEGACY_BIN)',
    );
  }
  return versions;
}

/**
 * A describe block per nats-server version, its title ending in the version, so a contract test
 * that fails on one server says which: `forEachNatsServer('bridge - x', (server) => { ... })`.
 */
export function forEachNatsServer(title: string, body: (server: NatsServerBinary) => void): void {
  describe.each(natsServerVersions())(`${title} (nats-server $version)`, body);
}
