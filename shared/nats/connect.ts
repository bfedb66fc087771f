/**
 * Connecting to NATS from the settings (servers, credentials, TLS, reconnects), a failure told as
 * one clear error, and the JetStream manager on the connection.
 */
import fs from 'node:fs';

import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { credsAuthenticator, errors, nkeyAuthenticator } from '@nats-io/nats-core';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';

import type { NatsSettings } from '../config/nats';
import { ConfigError, ServerUnreachableError, messageOf } from '../errors';

export interface NatsConnectOptions {
  /** Connection name shown by `nats server report connections`. Default: `orderflow`. */
  readonly name?: string;
  /**
   * Keep reconnecting forever after a lost connection (long-running processes: bridge, worker,
   * monitor). Default: false, for one-shot commands, which fail fast instead.
   */
  readonly reconnectForever?: boolean;
  /** How long the first connection may take, in milliseconds. Default: 5000. */
  readonly timeoutMs?: number;
}

function connectionOptions(settings: NatsSettings, options: NatsConnectOptions): NodeConnectionOptions {
  const authenticator = settings.credsFile
    ? credsAuthenticator(fs.readFileSync(settings.credsFile))
    : settings.nkeySeedFile
      ? nkeyAuthenticator(new TextEncoder().encode(fs.readFileSync(settings.nkeySeedFile, 'utf8').trim()))
      : undefined;
  return {
    servers: [...settings.servers],
    name: options.name ?? 'orderflow',
    user: settings.user,
    pass: settings.password,
    token: settings.token,
    ...(authenticator ? { authenticator } : {}),
    ...(settings.tls ? { tls: { ...settings.tls } } : {}),
    timeout: options.timeoutMs ?? 5000,
    maxReconnectAttempts: options.reconnectForever ? -1 : 10,
    reconnectTimeWait: 1000,
  };
}

/** Connects to NATS, turning a failure into one clear ServerUnreachableError or ConfigError. */
export async function connectNats(settings: NatsSettings, options: NatsConnectOptions = {}): Promise<NatsConnection> {
  // Credentials in a URL (nats://user:pass@host) never reach a message or a log.
  const address = settings.servers.map((url) => url.replace(/\/\/[^@/]*@/, '//***@')).join(',');
  try {
    return await connect(connectionOptions(settings, options));
  } catch (err) {
    const message = messageOf(err);
    if (
      err instanceof errors.AuthorizationError ||
      err instanceof errors.UserAuthenticationExpiredError ||
      err instanceof errors.PermissionViolationError
    ) {
      throw new ConfigError(
        'NATS credentials',
        `the server at ${address} refused them (${message})`,
        'check NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_NKEY or the nats context',
        { cause: err },
      );
    }
    throw new ServerUnreachableError('NATS', address, message, { cause: err });
  }
}

/** The JetStream manager, or a clear error when the server runs without JetStream. */
export async function jetStreamManagerFor(nc: NatsConnection): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(nc);
  } catch (err) {
    throw new ServerUnreachableError(
      'NATS',
      nc.getServer(),
      `JetStream is not available (${messageOf(err)}); start nats-server with -js, or enable JetStream for this account`,
      { cause: err },
    );
  }
}
