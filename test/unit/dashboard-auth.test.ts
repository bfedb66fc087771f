/** Who may act through the dashboard: binds, tokens, names, and the Host check against DNS rebinding. */
import { authorizeAction, dashboardAccess, hostAllowed } from '../../operate/dashboard/auth';
import { ConfigError } from '../../shared/errors';

/** The token a loopback bind reads from `value` (ORDERFLOW_DASHBOARD_TOKEN's value). */
const tokenOf = (value: string | undefined) => dashboardAccess('127.0.0.1', value).token;

describe('dashboard auth - binds and tokens', () => {
  it('tells loopback addresses from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(dashboardAccess(host, undefined).loopback).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '192.168.1.1'])
      expect(dashboardAccess(host, 'ops:0123456789').loopback).toBe(false);
  });

  it('reads name:secret, or a bare secret as "operator", and refuses a short secret', () => {
    expect(tokenOf('alice:s3cret-value')).toEqual({ name: 'alice', secret: 's3cret-value' });
    expect(tokenOf('s3cret-value')).toEqual({ name: 'operator', secret: 's3cret-value' });
    expect(tokenOf('alice:with:colons')).toEqual({ name: 'alice', secret: 'with:colons' });
    expect(tokenOf(undefined)).toBeUndefined();
    expect(tokenOf('')).toBeUndefined();
    expect(() => tokenOf('bob:short')).toThrow(ConfigError);
  });

  it('refuses a non-loopback bind without a token, in one line naming the variable', () => {
    expect(() => dashboardAccess('0.0.0.0', undefined)).toThrow(/ORDERFLOW_DASHBOARD_TOKEN is not set/);
    expect(dashboardAccess('0.0.0.0', 'ops:0123456789')).toMatchObject({ loopback: false, token: { name: 'ops' } });
    expect(dashboardAccess('127.0.0.1', undefined)).toEqual({ host: '127.0.0.1', loopback: true });
  });

  it('actions: open on loopback without a token; with a token, only with it (401 without, 403 wrong)', () => {
    expect(authorizeAction(dashboardAccess('127.0.0.1', undefined), undefined)).toEqual({ ok: true, who: 'operator' });
    const withToken = dashboardAccess('127.0.0.1', 'alice:0123456789');
    expect(authorizeAction(withToken, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(authorizeAction(withToken, 'Bearer nope-nope-nope')).toMatchObject({ ok: false, status: 403 });
    expect(authorizeAction(withToken, 'Bearer 0123456789')).toEqual({ ok: true, who: 'alice' });
    expect(authorizeAction(withToken, 'bearer alice:0123456789')).toEqual({ ok: true, who: 'alice' });
    const open = dashboardAccess('0.0.0.0', 'ops:0123456789');
    expect(authorizeAction(open, undefined)).toMatchObject({ ok: false, status: 401 });
  });

  it('a loopback bind answers only requests naming a loopback host', () => {
    const local = dashboardAccess('127.0.0.1', undefined);
    expect(hostAllowed(local, '127.0.0.1:9470')).toBe(true);
    expect(hostAllowed(local, 'localhost:9470')).toBe(true);
    expect(hostAllowed(local, '[::1]:9470')).toBe(true);
    expect(hostAllowed(local, 'evil.example:9470')).toBe(false);
    expect(hostAllowed(local, undefined)).toBe(false);
    expect(hostAllowed(dashboardAccess('0.0.0.0', 'ops:0123456789'), 'dash.internal:9470')).toBe(true);
  });
});
