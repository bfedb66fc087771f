import {
  FEATURE_SINCE,
  compareVersions,
  featuresOf,
  parseServerVersion,
  serverFeatures,
} from '../../shared/nats/server-features';

describe('server features - parseServerVersion', () => {
  it.each([
    ['2.9.10', { major: 2, minor: 9, patch: 10, preRelease: false }],
    ['v2.12.2', { major: 2, minor: 12, patch: 2, preRelease: false }],
    ['2.11.0-RC.1', { major: 2, minor: 11, patch: 0, preRelease: true }],
    ['2.10.4-beta', { major: 2, minor: 10, patch: 4, preRelease: true }],
    ['2.12.2+build.7', { major: 2, minor: 12, patch: 2, preRelease: false }],
  ])('server features - %j parses', (text, expected) => {
    expect(parseServerVersion(text)).toEqual(expected);
  });

  it.each(['', 'unknown', '2.10', '2.10.x', 'x2.10.4', '2.10.4 extra'])(
    'server features - %j is no version',
    (text) => {
      expect(parseServerVersion(text)).toBeUndefined();
    },
  );

  it('server features - a pre-release ranks below its release and above the one before', () => {
    const v = (s: string) => parseServerVersion(s)!;
    expect(compareVersions(v('2.11.0-RC.5'), v('2.11.0'))).toBeLessThan(0);
    expect(compareVersions(v('2.11.0-RC.5'), v('2.10.29'))).toBeGreaterThan(0);
    expect(compareVersions(v('2.10.10'), v('2.10.4'))).toBeGreaterThan(0); // numeric, not text
    expect(compareVersions(v('v2.12.2'), v('2.12.2'))).toBe(0);
  });
});

describe('server features - serverFeatures', () => {
  it('server features - Debian 2.9.10 has only nak with delay', () => {
    expect(serverFeatures('2.9.10')).toEqual({
      version: '2.9.10',
      termWithReason: false,
      nakWithDelay: true,
      consumerPause: false,
      priorityGroups: false,
      multipleFilters: false,
      updatableFilterSubject: false,
      updatableRetention: false,
    });
  });

  it('server features - the pinned 2.12.2 has all of them', () => {
    const { version, ...features } = serverFeatures('2.12.2');
    expect(version).toBe('2.12.2');
    expect(Object.values(features).every(Boolean)).toBe(true);
    expect(Object.keys(features).sort()).toEqual(Object.keys(FEATURE_SINCE).sort());
  });

  it.each([
    ['2.10.3', false],
    ['2.10.4-beta', false],
    ['2.10.4', true],
    ['2.10.10', true],
    ['2.11.0', true],
  ])('server features - +TERM with a reason on %j: %s', (version, expected) => {
    expect(serverFeatures(version).termWithReason).toBe(expected);
  });

  it.each([
    ['2.10.29', false],
    ['2.11.0-RC.1', false],
    ['v2.11.0', true],
    ['3.0.0', true],
  ])('server features - consumer pause and priority groups on %j: %s', (version, expected) => {
    const features = serverFeatures(version);
    expect([features.consumerPause, features.priorityGroups]).toEqual([expected, expected]);
  });

  it.each([
    ['2.7.0', false],
    ['2.7.1', true],
  ])('server features - nak with delay on %j: %s', (version, expected) => {
    expect(serverFeatures(version).nakWithDelay).toBe(expected);
  });

  it.each([undefined, '', 'garbage'])('server features - an unreadable version %j assumes nothing', (version) => {
    const { version: reported, ...features } = serverFeatures(version);
    expect(reported).toBe(version ?? '');
    expect(Object.values(features).some(Boolean)).toBe(false);
  });

  it('server features - featuresOf reads the version the connection reports now', () => {
    expect(featuresOf({ info: undefined }).consumerPause).toBe(false);
    const nc = { info: { version: '2.11.1' } } as unknown as Parameters<typeof featuresOf>[0];
    expect(featuresOf(nc).consumerPause).toBe(true);
  });
});
