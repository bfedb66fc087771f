/**
 * Starting a server on ports picked beforehand: the pick is reserved against other picks, a failed
 * start says why (not only the stack trace a Go panic ends with), and a port race is started again.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { isUserError } from '../../shared/errors';
import { freePort, startWithPortRetry } from '../../local/servers/ports';
import { ManagedProcess, ServerStartError, waitUntilReady } from '../../local/servers/process';

/** TCP states of the loopback sockets on `port` (Linux /proc/net/tcp: 06 is TIME_WAIT, 0A LISTEN). */
function socketStates(port: number): string[] {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] === local)
    .map((fields) => fields[3] ?? '');
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A process that prints `lines` and exits with 1, started the way servers are and awaited. */
async function failedStart(lines: string[], logFile?: string): Promise<ServerStartError> {
  const script = `${lines.map((line) => `echo '${line}'`).join('; ')}; exit 1`;
  const proc = new ManagedProcess({
    name: 'fake-server',
    binary: '/bin/sh',
    args: ['-c', script],
    ...(logFile ? { logFile } : {}),
  });
  const error = await waitUntilReady(proc, () => Promise.resolve(false), { timeoutMs: 10_000, intervalMs: 20 }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof ServerStartError)) throw new Error(`expected a ServerStartError, got ${String(error)}`);
  return error;
}

const goroutines = Array.from({ length: 30 }, (_, i) => `\tgithub.com/x/y.frame${i}(...)`);

describe('server start - ports', () => {
  it('freePort leaves the port it returns in TIME_WAIT, so no other pick gets it, and it can be bound at once', async () => {
    const port = await freePort();
    expect(socketStates(port)).toContain('06');
    const server = await listenOn(port);
    await new Promise((r) => server.close(r));
  });

  it('freePort returns a different port each time', async () => {
    const ports = [];
    for (let i = 0; i < 20; i += 1) ports.push(await freePort());
    expect(new Set(ports).size).toBe(20);
  });
});

describe('server start - errors', () => {
  it('quotes the failure a Go panic follows, and sees a port race in it', async () => {
    const error = await failedStart([
      'time=2026-12-02T10:25:20Z level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:41234: bind: address already in use"',
      'panic: runtime error: invalid memory address or nil pointer dereference',
      ...goroutines,
    ]);
    expect(error.reason).toBe('exited');
    expect(error.portInUse).toBe(true);
    expect(error.message).toMatch(
      /^fake-server exited during startup:\n.*Failed to start gRPC listener.*\npanic: runtime/,
    );
    expect(error.message).toContain('frame29');
  });

  it('is a user error, printed without a stack trace, that says where the whole log is', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-start-error-'));
    try {
      const logFile = path.join(dir, 'fake-server.log');
      const error = await failedStart(['[FTL] Error: could not open store'], logFile);
      expect(isUserError(error)).toBe(true);
      expect(error.exitCode).toBe(3);
      expect(error.message).toBe(
        `fake-server exited during startup:\n[FTL] Error: could not open store\n(fake-server's whole log: ${logFile})`,
      );
      expect(fs.readFileSync(logFile, 'utf8')).toBe('[FTL] Error: could not open store\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not take another failure for a port race', async () => {
    const error = await failedStart(['[FTL] Error: could not open store: permission denied', ...goroutines]);
    expect(error.portInUse).toBe(false);
    expect(error.message).toContain('could not open store');
  });

  it('kills a server that is not ready in time and says so', async () => {
    const proc = new ManagedProcess({
      name: 'slow-server',
      binary: '/bin/sh',
      args: ['-c', 'echo starting; exec sleep 30'],
    });
    const error: unknown = await waitUntilReady(proc, () => Promise.resolve(false), {
      timeoutMs: 300,
      intervalMs: 20,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).reason).toBe('not ready');
    expect((error as ServerStartError).message).toBe('slow-server was not ready after 300 ms:\nstarting');
    expect(proc.running).toBe(false);
  });
});

describe('server start - a check that never answers', () => {
  it('ends with the deadline', async () => {
    const proc = new ManagedProcess({ name: 'mute-server', binary: '/bin/sh', args: ['-c', 'exec sleep 30'] });
    const hanging = (): Promise<boolean> => new Promise(() => undefined);
    await expect(waitUntilReady(proc, hanging, { timeoutMs: 300 })).rejects.toThrow(
      'mute-server was not ready after 300 ms',
    );
  });

  it("ends with the process's exit", async () => {
    const proc = new ManagedProcess({ name: 'dying-server', binary: '/bin/sh', args: ['-c', 'sleep 0.2; exit 3'] });
    const hanging = (): Promise<boolean> => new Promise(() => undefined);
    await expect(waitUntilReady(proc, hanging, { timeoutMs: 20_000 })).rejects.toThrow(
      'dying-server exited during startup',
    );
  });
});

describe('server start - startWithPortRetry', () => {
  const race = (): ServerStartError =>
    new ServerStartError('nats-server', 'exited', '[FTL] listen tcp 127.0.0.1:4222: bind: address already in use', 1);

  it('starts again after a port race, with what the start picks anew', async () => {
    let calls = 0;
    const started = await startWithPortRetry(() => {
      calls += 1;
      return calls < 3 ? Promise.reject(race()) : Promise.resolve(`server ${calls}`);
    });
    expect(started).toBe('server 3');
  });

  it('gives up after its attempts with the last race', async () => {
    let calls = 0;
    const failing = (): Promise<never> => {
      calls += 1;
      return Promise.reject(race());
    };
    await expect(startWithPortRetry(failing, 2)).rejects.toBeInstanceOf(ServerStartError);
    expect(calls).toBe(2);
  });

  it('does not start again after any other failure', async () => {
    let calls = 0;
    const failing = (): Promise<never> => {
      calls += 1;
      return Promise.reject(new ServerStartError('temporal', 'exited', 'level=ERROR msg="bad config"', 1));
    };
    await expect(startWithPortRetry(failing)).rejects.toThrow('bad config');
    expect(calls).toBe(1);
  });
});
