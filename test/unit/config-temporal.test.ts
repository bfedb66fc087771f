import fs from 'node:fs';
import path from 'node:path';

import { DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE, temporalSettings } from '../../shared/config/temporal';
import { configError, configHomes } from '../harness/config';

/** Fresh, empty homes and config homes, so the real user's temporal.toml never leaks in. */
const { home: emptyHome, envWith } = configHomes('orderflow-unit-temporal-');

function writeToml(home: string, text: string): string {
  const file = path.join(home, 'temporal.toml');
  fs.writeFileSync(file, text);
  return file;
}

const ADDRESS_FIX = 'use host:port, for example 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233';

describe('config temporal - defaults and sources', () => {
  it('config temporal - defaults to 127.0.0.1:7233 and namespace default with an empty config home', () => {
    expect(temporalSettings({}, envWith())).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      connection: { address: '127.0.0.1:7233', apiKey: undefined, tls: undefined, metadata: undefined },
      chosenBy: 'default',
    });
    expect([DEFAULT_TEMPORAL_ADDRESS, DEFAULT_TEMPORAL_NAMESPACE]).toEqual(['127.0.0.1:7233', 'default']);
  });

  it('config temporal - a TEMPORAL_CONFIG_FILE that does not exist is a ConfigError naming TEMPORAL_CONFIG_FILE', () => {
    const home = emptyHome();
    const missing = path.join(home, 'does-not-exist.toml');
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: missing }, home)));
    expect(err.setting).toBe('TEMPORAL_CONFIG_FILE');
    expect(err.message).toBe(
      `TEMPORAL_CONFIG_FILE: file ${JSON.stringify(missing)} does not exist; give the path of an existing ` +
        `temporal.toml, create the file, or unset TEMPORAL_CONFIG_FILE to use ${path.join(home, 'temporalio', 'temporal.toml')}`,
    );
    expect(err.exitCode).toBe(2);
  });

  it('config temporal - a missing default temporal.toml is not an error: the defaults apply', () => {
    const home = emptyHome();
    expect(fs.existsSync(path.join(home, 'temporalio', 'temporal.toml'))).toBe(false);
    expect(temporalSettings({}, envWith({}, home))).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default' });
  });

  it('config temporal - a TEMPORAL_CONFIG_FILE that is a directory is a ConfigError saying it cannot be read', () => {
    const home = emptyHome();
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: home }, home)));
    expect(err.setting).toBe('TEMPORAL_CONFIG_FILE');
    expect(err.message).toMatch(
      /^TEMPORAL_CONFIG_FILE: cannot read ".+" \(.*EISDIR.*\); make it a readable TOML file$/,
    );
  });

  it('config temporal - honours TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE', () => {
    const env = envWith({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'orders-prod' });
    const settings = temporalSettings({}, env);
    expect(settings.address).toBe('temporal.internal:7233');
    expect(settings.namespace).toBe('orders-prod');
    expect(settings.connection?.address).toBe('temporal.internal:7233');
  });

  it('config temporal - flags override TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE', () => {
    const env = envWith({ TEMPORAL_ADDRESS: 'from-env:7233', TEMPORAL_NAMESPACE: 'from-env' });
    const settings = temporalSettings({ temporalAddress: 'from-flag:7234', temporalNamespace: 'from-flag' }, env);
    expect(settings.address).toBe('from-flag:7234');
    expect(settings.namespace).toBe('from-flag');
    expect(settings.connection?.address).toBe('from-flag:7234');
  });

  it('config temporal - accepts an IPv6 host:port', () => {
    expect(temporalSettings({}, envWith({ TEMPORAL_ADDRESS: '[::1]:7233' })).address).toBe('[::1]:7233');
  });

  it('config temporal - TEMPORAL_API_KEY ends up in connection.apiKey and turns TLS on', () => {
    const settings = temporalSettings({}, envWith({ TEMPORAL_API_KEY: 'key-123' }));
    expect(settings.connection?.apiKey).toBe('key-123');
    expect(settings.connection?.tls).toBe(true);
  });

  it('config temporal - TEMPORAL_GRPC_META_* variables become connection metadata', () => {
    const settings = temporalSettings({}, envWith({ TEMPORAL_GRPC_META_X_TENANT: 'acme' }));
    expect(settings.connection?.metadata).toEqual({ 'x-tenant': 'acme' });
  });
});

describe('config temporal - a Temporal found where no setting names one (a running orderflow dev)', () => {
  const found = { source: "orderflow dev's .data/dev-servers.json", address: '127.0.0.1:41235', namespace: 'dev-ns' };

  it('config temporal - with nothing named, the address and namespace found are used before the defaults', () => {
    const settings = temporalSettings({}, envWith(), found);
    expect(settings).toMatchObject({ address: '127.0.0.1:41235', namespace: 'dev-ns', chosenBy: 'found' });
    expect(settings.connection?.address).toBe('127.0.0.1:41235');
  });

  it('config temporal - the flag, TEMPORAL_ADDRESS and a profile each win over the Temporal found', () => {
    expect(temporalSettings({ temporalAddress: 'flag:7233' }, envWith(), found)).toMatchObject({
      address: 'flag:7233',
      chosenBy: 'settings',
    });
    expect(temporalSettings({}, envWith({ TEMPORAL_ADDRESS: 'env:7233' }), found).address).toBe('env:7233');
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "10.1.1.1:7233"\n');
    expect(temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file }, home), found)).toMatchObject({
      address: '10.1.1.1:7233',
      chosenBy: 'settings',
    });
  });

  it('config temporal - the namespace found goes with its address only: a named address gets the default one', () => {
    expect(temporalSettings({}, envWith({ TEMPORAL_ADDRESS: 'env:7233' }), found).namespace).toBe('default');
    // A namespace named applies to the Temporal found.
    expect(temporalSettings({}, envWith({ TEMPORAL_NAMESPACE: 'mine' }), found)).toMatchObject({
      address: '127.0.0.1:41235',
      namespace: 'mine',
    });
  });

  it('config temporal - a bad address found is a ConfigError naming where it was found', () => {
    const err = configError(() => temporalSettings({}, envWith(), { ...found, address: 'no-port' }));
    expect(err.setting).toBe(found.source);
  });
});

describe('config temporal - TOML profiles', () => {
  it('config temporal - reads address and namespace from [profile.default] in TEMPORAL_CONFIG_FILE', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "10.1.1.1:7233"\nnamespace = "prod"\n');
    const settings = temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file }, home));
    expect(settings.address).toBe('10.1.1.1:7233');
    expect(settings.namespace).toBe('prod');
    expect(settings.connection?.address).toBe('10.1.1.1:7233');
  });

  it('config temporal - reads <XDG_CONFIG_HOME>/temporalio/temporal.toml when TEMPORAL_CONFIG_FILE is unset', () => {
    const home = emptyHome();
    fs.mkdirSync(path.join(home, 'temporalio'));
    fs.writeFileSync(path.join(home, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "10.2.2.2:7233"\n');
    expect(temporalSettings({}, envWith({}, home)).address).toBe('10.2.2.2:7233');
  });

  it('config temporal - TEMPORAL_PROFILE picks another profile', () => {
    const home = emptyHome();
    const file = writeToml(
      home,
      '[profile.default]\naddress = "10.1.1.1:7233"\n\n[profile.staging]\naddress = "10.3.3.3:7233"\nnamespace = "stg"\n',
    );
    const settings = temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }, home));
    expect(settings.address).toBe('10.3.3.3:7233');
    expect(settings.namespace).toBe('stg');
  });

  it('config temporal - an empty TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE count as unset', () => {
    const home = emptyHome();
    fs.mkdirSync(path.join(home, 'temporalio'));
    fs.writeFileSync(path.join(home, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "10.2.2.2:7233"\n');
    const env = envWith({ TEMPORAL_CONFIG_FILE: '', TEMPORAL_PROFILE: '' }, home);
    expect(temporalSettings({}, env).address).toBe('10.2.2.2:7233');
  });

  it('config temporal - api_key and grpc_meta of the TOML profile reach the connection options', () => {
    const home = emptyHome();
    const file = writeToml(
      home,
      '[profile.default]\napi_key = "toml-key"\n[profile.default.grpc_meta]\nx-tenant = "acme"\n',
    );
    const settings = temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file }, home));
    expect(settings.connection).toEqual({
      address: '127.0.0.1:7233',
      apiKey: 'toml-key',
      tls: true,
      metadata: { 'x-tenant': 'acme' },
    });
  });

  it('config temporal - a file without [profile.default] and no TEMPORAL_PROFILE gives the defaults and env', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.staging]\naddress = "10.3.3.3:7233"\n');
    const settings = temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_API_KEY: 'k' }, home));
    expect(settings).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(settings.connection?.apiKey).toBe('k');
  });

  it('config temporal - TEMPORAL_ADDRESS and the flag override the TOML profile', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "10.1.1.1:7233"\nnamespace = "prod"\n');
    const env = envWith({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'env-host:7233' }, home);
    expect(temporalSettings({}, env)).toMatchObject({ address: 'env-host:7233', namespace: 'prod' });
    expect(temporalSettings({ temporalAddress: 'flag-host:7233' }, env).address).toBe('flag-host:7233');
  });

  it('config temporal - a TEMPORAL_CONFIG_FILE that is not TOML is a ConfigError naming TEMPORAL_CONFIG_FILE', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default\naddress = ');
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file }, home)));
    expect(err.setting).toBe('TEMPORAL_CONFIG_FILE');
    expect(err.message).toBe(
      `TEMPORAL_CONFIG_FILE: ${JSON.stringify(file)} is not a valid Temporal config file ` +
        '(Invalid TOML document: illegal character in key at line 1, column 17); ' +
        'fix the TOML (see "Environment configuration" in the Temporal docs)',
    );
    expect(err.exitCode).toBe(2);
  });

  it('config temporal - a default temporal.toml that is not TOML is a ConfigError naming the file', () => {
    const home = emptyHome();
    const file = path.join(home, 'temporalio', 'temporal.toml');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'address = = 1\n');
    const err = configError(() => temporalSettings({}, envWith({}, home)));
    expect(err.setting).toBe(`Temporal config file ${file}`);
    expect(err.message).toMatch(/ is not a valid Temporal config file /);
    expect(err.message).not.toContain('\n');
  });

  it.each(['', '# nothing yet\n'])(
    'config temporal - a config file %j without profiles is a ConfigError saying so',
    (text) => {
      const home = emptyHome();
      const file = writeToml(home, text);
      const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file }, home)));
      expect(err.message).toBe(
        `TEMPORAL_CONFIG_FILE: ${JSON.stringify(file)} is not a valid Temporal config file ` +
          '(it has no [profile.<name>] table); fix the TOML (see "Environment configuration" in the Temporal docs)',
      );
    },
  );

  it('config temporal - a TEMPORAL_PROFILE missing from the file is a ConfigError naming TEMPORAL_PROFILE', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "10.1.1.1:7233"\n\n[profile.staging]\n');
    const err = configError(() =>
      temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' }, home)),
    );
    expect(err.setting).toBe('TEMPORAL_PROFILE');
    expect(err.message).toBe(
      `TEMPORAL_PROFILE: profile "nope" is not in ${file} (it has "default", "staging"); ` +
        'name a profile the file has, add a [profile.nope] table to it, or unset TEMPORAL_PROFILE to use "default"',
    );
    expect(err.exitCode).toBe(2);
  });

  it.each(['toString', '__proto__', 'constructor'])(
    'config temporal - TEMPORAL_PROFILE=%j is not found in a file without it',
    (profile) => {
      const home = emptyHome();
      const file = writeToml(home, '[profile.default]\n');
      const err = configError(() =>
        temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: profile }, home)),
      );
      expect(err.setting).toBe('TEMPORAL_PROFILE');
    },
  );

  it('config temporal - a TEMPORAL_PROFILE with no config file at all names TEMPORAL_PROFILE and the path looked at', () => {
    const home = emptyHome();
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_PROFILE: 'staging' }, home)));
    expect(err.setting).toBe('TEMPORAL_PROFILE');
    expect(err.message).toBe(
      'TEMPORAL_PROFILE: profile "staging" is asked for, but there is no Temporal config file ' +
        `(looked for ${path.join(home, 'temporalio', 'temporal.toml')}); ` +
        'create the file with a [profile.staging] table, set TEMPORAL_CONFIG_FILE to a file that has one, ' +
        'or unset TEMPORAL_PROFILE to use "default"',
    );
  });

  it('config temporal - a bad address from the TOML profile names the file and profile, not TEMPORAL_ADDRESS', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "localhost"\n');
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file }, home)));
    expect(err.setting).toBe(`Temporal config file ${file} (profile default) address`);
    expect(err.message).toBe(
      `Temporal config file ${file} (profile default) address: "localhost" is not valid (expected host:port); ${ADDRESS_FIX}`,
    );
  });

  it('config temporal - a bad namespace from a TEMPORAL_PROFILE in the default file names that profile', () => {
    const home = emptyHome();
    const file = path.join(home, 'temporalio', 'temporal.toml');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '[profile.default]\n\n[profile.staging]\nnamespace = "bad ns"\n');
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_PROFILE: 'staging' }, home)));
    expect(err.setting).toBe(`Temporal config file ${file} (profile staging) namespace`);
  });

  it('config temporal - a bad TEMPORAL_ADDRESS over a good TOML address still names TEMPORAL_ADDRESS', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "10.1.1.1:7233"\n');
    const err = configError(() =>
      temporalSettings({}, envWith({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'localhost' }, home)),
    );
    expect(err.setting).toBe('TEMPORAL_ADDRESS');
  });

  it('config temporal - a good flag over a bad TOML address is accepted', () => {
    const home = emptyHome();
    const file = writeToml(home, '[profile.default]\naddress = "localhost"\n');
    const settings = temporalSettings(
      { temporalAddress: 'flag-host:7233' },
      envWith({ TEMPORAL_CONFIG_FILE: file }, home),
    );
    expect(settings.address).toBe('flag-host:7233');
  });
});

describe('config temporal - invalid values', () => {
  it.each([
    ['localhost', 'expected host:port'],
    ['host:0', 'port must be 1-65535'],
    ['host:70000', 'port must be 1-65535'],
    ['http://host:7233', 'expected host:port'],
  ])('config temporal - rejects TEMPORAL_ADDRESS=%j naming TEMPORAL_ADDRESS', (value, problem) => {
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_ADDRESS: value })));
    expect(err.setting).toBe('TEMPORAL_ADDRESS');
    expect(err.message).toBe(`TEMPORAL_ADDRESS: ${JSON.stringify(value)} is not valid (${problem}); ${ADDRESS_FIX}`);
  });

  it('config temporal - rejects a bad --temporal-address naming --temporal-address', () => {
    const err = configError(() => temporalSettings({ temporalAddress: 'localhost' }, envWith()));
    expect(err.setting).toBe('--temporal-address');
    expect(err.message).toBe(`--temporal-address: "localhost" is not valid (expected host:port); ${ADDRESS_FIX}`);
  });

  it('config temporal - rejects the namespace "bad ns" naming TEMPORAL_NAMESPACE', () => {
    const err = configError(() => temporalSettings({}, envWith({ TEMPORAL_NAMESPACE: 'bad ns' })));
    expect(err.setting).toBe('TEMPORAL_NAMESPACE');
    expect(err.message).toBe(
      'TEMPORAL_NAMESPACE: "bad ns" is not valid (expected a namespace name); ' +
        'use the name of an existing Temporal namespace, for example `default`',
    );
  });

  it('config temporal - rejects a bad --temporal-namespace naming --temporal-namespace', () => {
    const err = configError(() => temporalSettings({ temporalNamespace: '-leading-dash' }, envWith()));
    expect(err.setting).toBe('--temporal-namespace');
  });
});
