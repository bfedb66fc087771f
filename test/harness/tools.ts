/** The server binaries tests run, found the way `orderflow` finds them. */
import { binaryPath, findOnPath, reportedVersion } from '../../bridge/servers/binaries';

export const toolPath = binaryPath;

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
  const pinned = binaryPath('nats-server');
  const versions = [{ path: pinned, version: reportedVersion(pinned) }];
  const legacy = process.env.NATS_SERVER_LEGACY_BIN ?? findOnPath('nats-server');
  if (legacy && legacy !== pinned) {
    const version = reportedVersion(legacy);
    if (version !== versions[0]!.version) versions.push({ path: legacy, version });
  }
  if (process.env.CI && versions.length < 2) {
    throw new Error(
      'CI must test against a second, older nats-server (Debian: apt-get install nats-server, or set NATS_SERVER_LEGACY_BIN)',
    );
  }
  return versions;
}
