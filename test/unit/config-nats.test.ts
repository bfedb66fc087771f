import fs from 'node:fs';
import path from 'node:path';

import { DEFAULT_NATS_URL, natsSettings } from '../../shared/config/nats';
import { configError, configHomes } from '../harness/config';

/** Fresh, empty config homes, so the real user's `nats` contexts never leak in. */
const { home: configHome, envWith } = configHomes('orderflow-unit-nats-');

function writeContext(home: string, name: string, context: Record<string, string>): string {
  const file = path.join(home, 'nats', 'context', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(context));
  return file;
}

function selectContext(home: string, name: string): void {
  fs.mkdirSync(path.join(home, 'nats'), { recursive: true });
  fs.writeFileSync(path.join(home, 'nats', 'context.txt'), `${name}\n`);
}

function writeFile(home: string, name: string): string {
  const file = path.join(home, name);
  fs.writeFileSync(file, 'secret');
  return file;
}

describe('config nats - servers', () => {
  it('config nats - defaults to nats://127.0.0.1:4222 with no credentials', () => {
    expect(natsSettings({}, envWith())).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      user: undefined,
      password: undefined,
      token: undefined,
      credsFile: undefined,
      nkeySeedFile: undefined,
      tls: undefined,
      context: undefined,
      chosenBy: 'default',
    });
    expect(DEFAULT_NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('config nats - NATS_URL with several comma-separated servers gives them all, trimmed, in order', () => {
    const env = envWith({ NATS_URL: 'nats://a.example:4222, tls://b.example:4443 ,c.example:4224,' });
    expect(natsSettings({}, env).servers).toEqual(['nats://a.example:4222', 'tls://b.example:4443', 'c.example:4224']);
  });

  it('config nats - accepts ws, wss, IPv6 and URL credentials', () => {
    const env = envWith({ NATS_URL: 'ws://h:8080,wss://h,nats://[::1]:4222,nats://u:p@h:4222' });
    expect(natsSettings({}, env).servers).toEqual(['ws://h:8080', 'wss://h', 'nats://[::1]:4222', 'nats://u:p@h:4222']);
  });

  it('config nats - the --nats-url flag overrides NATS_URL', () => {
    const env = envWith({ NATS_URL: 'nats://from-env:4222' });
    expect(natsSettings({ natsUrl: 'nats://from-flag:5222' }, env).servers).toEqual(['nats://from-flag:5222']);
  });

  it('config nats - an empty --nats-url flag falls back to NATS_URL', () => {
    const env = envWith({ NATS_URL: 'nats://from-env:4222' });
    expect(natsSettings({ natsUrl: '' }, env).servers).toEqual(['nats://from-env:4222']);
  });

  it.each(['http://x:1', 'nats://host:99999', 'nats://', 'nats://host:0'])(
    'config nats - rejects NATS_URL=%j naming NATS_URL and the value',
    (value) => {
      const err = configError(() => natsSettings({}, envWith({ NATS_URL: value })));
      expect(err.setting).toBe('NATS_URL');
      expect(err.message).toBe(
        `NATS_URL: ${JSON.stringify(value)} is not valid (expected nats://host:port, tls://host:port or host:port); ` +
          'use nats://host:port, comma-separated for several servers',
      );
      expect(err.exitCode).toBe(2);
    },
  );

  it('config nats - rejects a bad server in the middle of a list naming that server', () => {
    const err = configError(() => natsSettings({}, envWith({ NATS_URL: 'nats://ok:4222,http://bad:80' })));
    expect(err.message).toMatch(/^NATS_URL: "http:\/\/bad:80" is not valid/);
  });

  it('config nats - rejects a bad --nats-url naming --nats-url and the value', () => {
    const err = configError(() => natsSettings({ natsUrl: 'http://x:1' }, envWith({ NATS_URL: 'nats://ok:4222' })));
    expect(err.setting).toBe('--nats-url');
    expect(err.message).toMatch(/^--nats-url: "http:\/\/x:1" is not valid/);
  });

  it('config nats - a NATS_URL of only commas is "no server given"', () => {
    const err = configError(() => natsSettings({}, envWith({ NATS_URL: ' , ' })));
    expect(err.message).toBe('NATS_URL: no server given; set it to nats://host:port (comma-separated for several)');
  });
});

describe('config nats - credentials', () => {
  it('config nats - NATS_USER and NATS_PASSWORD are passed through', () => {
    const settings = natsSettings({}, envWith({ NATS_USER: 'alice', NATS_PASSWORD: 's3cret', NATS_TOKEN: 'tok' }));
    expect(settings).toMatchObject({ user: 'alice', password: 's3cret', token: 'tok' });
  });

  it('config nats - a password without a user is a ConfigError naming NATS_PASSWORD', () => {
    const err = configError(() => natsSettings({}, envWith({ NATS_PASSWORD: 's3cret' })));
    expect(err.setting).toBe('NATS_PASSWORD');
    expect(err.message).toBe(
      'NATS_PASSWORD: a password is set without a user; set NATS_USER too, or unset the password',
    );
  });

  it('config nats - NATS_CERT without NATS_KEY is a ConfigError naming NATS_CERT', () => {
    const home = configHome();
    const err = configError(() => natsSettings({}, envWith({ NATS_CERT: writeFile(home, 'client.crt') }, home)));
    expect(err.setting).toBe('NATS_CERT');
    expect(err.message).toBe(
      'NATS_CERT: a TLS client certificate needs both a certificate and a key; set both NATS_CERT and NATS_KEY, or neither',
    );
  });

  it('config nats - NATS_KEY without NATS_CERT is a ConfigError naming NATS_KEY', () => {
    const home = configHome();
    const err = configError(() => natsSettings({}, envWith({ NATS_KEY: writeFile(home, 'client.key') }, home)));
    expect(err.setting).toBe('NATS_KEY');
  });

  it('config nats - NATS_CERT, NATS_KEY and NATS_CA that exist become the tls files', () => {
    const home = configHome();
    const [certFile, keyFile, caFile] = ['client.crt', 'client.key', 'ca.pem'].map((f) => writeFile(home, f));
    const env = envWith({ NATS_CERT: certFile!, NATS_KEY: keyFile!, NATS_CA: caFile! }, home);
    expect(natsSettings({}, env).tls).toEqual({ certFile, keyFile, caFile });
  });

  it('config nats - NATS_CA alone gives tls with only a CA file', () => {
    const home = configHome();
    const caFile = writeFile(home, 'ca.pem');
    expect(natsSettings({}, envWith({ NATS_CA: caFile }, home)).tls).toEqual({
      certFile: undefined,
      keyFile: undefined,
      caFile,
    });
  });

  it('config nats - NATS_CREDS naming an existing file becomes credsFile', () => {
    const home = configHome();
    const creds = writeFile(home, 'user.creds');
    expect(natsSettings({}, envWith({ NATS_CREDS: creds }, home)).credsFile).toBe(creds);
  });

  it('config nats - NATS_CREDS pointing at a missing file is a ConfigError naming NATS_CREDS and the path', () => {
    const home = configHome();
    const missing = path.join(home, 'missing.creds');
    const err = configError(() => natsSettings({}, envWith({ NATS_CREDS: missing }, home)));
    expect(err.setting).toBe('NATS_CREDS');
    expect(err.message).toBe(
      `NATS_CREDS: file ${JSON.stringify(missing)} does not exist or is not readable; give the path of a readable file`,
    );
  });

  it('config nats - a missing --nats-creds file is a ConfigError naming --nats-creds', () => {
    const home = configHome();
    const err = configError(() => natsSettings({ natsCreds: path.join(home, 'nope.creds') }, envWith({}, home)));
    expect(err.setting).toBe('--nats-creds');
  });

  it('config nats - a missing NATS_NKEY file is a ConfigError naming NATS_NKEY', () => {
    const home = configHome();
    const err = configError(() => natsSettings({}, envWith({ NATS_NKEY: path.join(home, 'nope.nk') }, home)));
    expect(err.setting).toBe('NATS_NKEY');
  });
});

describe('config nats - servers found where no setting names one (a running orderflow dev)', () => {
  const found = { source: "orderflow dev's .data/dev-servers.json", servers: ['nats://127.0.0.1:41234'] };

  it('config nats - with nothing named, the servers found are used before the default', () => {
    const settings = natsSettings({}, envWith(), found);
    expect(settings.servers).toEqual(['nats://127.0.0.1:41234']);
    expect(settings.chosenBy).toBe('found');
  });

  it('config nats - the flag, NATS_URL and a context each win over the servers found', () => {
    const home = configHome();
    writeContext(home, 'dev', { url: 'nats://context:4222' });
    expect(natsSettings({ natsUrl: 'nats://flag:4222' }, envWith({}, home), found)).toMatchObject({
      servers: ['nats://flag:4222'],
      chosenBy: 'settings',
    });
    expect(natsSettings({}, envWith({ NATS_URL: 'nats://env:4222' }, home), found).servers).toEqual([
      'nats://env:4222',
    ]);
    expect(natsSettings({}, envWith({ NATS_CONTEXT: 'dev' }, home), found)).toMatchObject({
      servers: ['nats://context:4222'],
      chosenBy: 'settings',
    });
    selectContext(home, 'dev');
    expect(natsSettings({}, envWith({}, home), found).servers).toEqual(['nats://context:4222']);
  });

  it('config nats - a context without a url leaves the servers to those found, its credentials still apply', () => {
    const home = configHome();
    writeContext(home, 'creds-only', { user: 'alice', password: 'pw' });
    const settings = natsSettings({}, envWith({ NATS_CONTEXT: 'creds-only' }, home), found);
    expect(settings).toMatchObject({ servers: ['nats://127.0.0.1:41234'], chosenBy: 'found', user: 'alice' });
  });

  it('config nats - a bad url found is a ConfigError naming where it was found', () => {
    const err = configError(() => natsSettings({}, envWith(), { ...found, servers: ['http://x:1'] }));
    expect(err.setting).toBe(found.source);
  });
});

describe('config nats - nats CLI contexts', () => {
  const dev = { url: 'nats://10.0.0.1:4333', user: 'a', password: 'b' };

  it('config nats - NATS_CONTEXT=dev takes servers and credentials from the context file', () => {
    const home = configHome();
    writeContext(home, 'dev', dev);
    expect(natsSettings({}, envWith({ NATS_CONTEXT: 'dev' }, home))).toEqual({
      servers: ['nats://10.0.0.1:4333'],
      user: 'a',
      password: 'b',
      token: undefined,
      credsFile: undefined,
      nkeySeedFile: undefined,
      tls: undefined,
      context: 'dev',
      chosenBy: 'settings',
    });
  });

  it('config nats - NATS_URL overrides the context url but the context user stays', () => {
    const home = configHome();
    writeContext(home, 'dev', dev);
    const settings = natsSettings({}, envWith({ NATS_CONTEXT: 'dev', NATS_URL: 'nats://override:4222' }, home));
    expect(settings.servers).toEqual(['nats://override:4222']);
    expect(settings.user).toBe('a');
    expect(settings.password).toBe('b');
  });

  it('config nats - NATS_USER overrides the context user', () => {
    const home = configHome();
    writeContext(home, 'dev', dev);
    expect(natsSettings({}, envWith({ NATS_CONTEXT: 'dev', NATS_USER: 'root' }, home)).user).toBe('root');
  });

  it('config nats - the context selected in nats/context.txt is used when NATS_CONTEXT is unset', () => {
    const home = configHome();
    writeContext(home, 'dev', dev);
    selectContext(home, 'dev');
    const settings = natsSettings({}, envWith({}, home));
    expect(settings.context).toBe('dev');
    expect(settings.servers).toEqual(['nats://10.0.0.1:4333']);
    expect(settings.user).toBe('a');
  });

  it('config nats - the --nats-context flag wins over NATS_CONTEXT and the selected context', () => {
    const home = configHome();
    writeContext(home, 'dev', dev);
    writeContext(home, 'prod', { url: 'nats://prod:4222' });
    writeContext(home, 'stage', { url: 'nats://stage:4222' });
    selectContext(home, 'dev');
    const settings = natsSettings({ natsContext: 'prod' }, envWith({ NATS_CONTEXT: 'stage' }, home));
    expect(settings.context).toBe('prod');
    expect(settings.servers).toEqual(['nats://prod:4222']);
    expect(settings.user).toBeUndefined();
  });

  it('config nats - empty strings in a context count as unset', () => {
    const home = configHome();
    writeContext(home, 'blank', { url: '', user: '', password: '', creds: '', nkey: '', cert: '', key: '', ca: '' });
    const settings = natsSettings({}, envWith({ NATS_CONTEXT: 'blank' }, home));
    expect(settings.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(settings.user).toBeUndefined();
    expect(settings.tls).toBeUndefined();
  });

  it('config nats - a bad url in a context names the context', () => {
    const home = configHome();
    writeContext(home, 'dev', { url: 'http://x:1' });
    const err = configError(() => natsSettings({}, envWith({ NATS_CONTEXT: 'dev' }, home)));
    expect(err.setting).toBe('nats context "dev" url');
  });

  it('config nats - a missing creds file in a context names the context field', () => {
    const home = configHome();
    writeContext(home, 'dev', { creds: path.join(home, 'gone.creds') });
    const err = configError(() => natsSettings({}, envWith({ NATS_CONTEXT: 'dev' }, home)));
    expect(err.setting).toBe('nats context "dev" creds');
  });

  it('config nats - NATS_CONTEXT naming a missing context is a ConfigError mentioning `nats context`', () => {
    const home = configHome();
    const err = configError(() => natsSettings({}, envWith({ NATS_CONTEXT: 'nope' }, home)));
    const file = path.join(home, 'nats', 'context', 'nope.json');
    expect(err.setting).toBe('NATS_CONTEXT');
    expect(err.message).toBe(
      `NATS_CONTEXT: nats context "nope" does not exist (looked for ${file}); ` +
        'create it with `nats context add` or name an existing one (`nats context ls`)',
    );
  });

  it('config nats - a selected context whose file is missing is a ConfigError naming "nats context"', () => {
    const home = configHome();
    selectContext(home, 'gone');
    const err = configError(() => natsSettings({}, envWith({}, home)));
    expect(err.setting).toBe('nats context');
    expect(err.message).toContain('nats context "gone" does not exist');
  });

  it('config nats - a context file that is not JSON is a ConfigError naming the file', () => {
    const home = configHome();
    const file = writeContext(home, 'dev', dev);
    fs.writeFileSync(file, '{ not json');
    const err = configError(() => natsSettings({}, envWith({ NATS_CONTEXT: 'dev' }, home)));
    expect(err.message).toBe(`NATS_CONTEXT: ${file} is not valid JSON; fix or recreate the context`);
  });

  it('config nats - a context field of the wrong type is a ConfigError', () => {
    const home = configHome();
    const file = writeContext(home, 'dev', dev);
    fs.writeFileSync(file, JSON.stringify({ url: 4222 }));
    const err = configError(() => natsSettings({}, envWith({ NATS_CONTEXT: 'dev' }, home)));
    expect(err.setting).toBe('NATS_CONTEXT');
    expect(err.message).toContain(`fix ${file} or recreate it with \`nats context add\``);
  });
});
