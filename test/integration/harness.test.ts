import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client, Connection } from '@temporalio/client';

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { NatsServer } from '../../local/servers/nats-server';
import { freePort, startWithPortRetry } from '../../local/servers/ports';
import { ServerStartError } from '../../local/servers/process';
import { TemporalServer } from '../../local/servers/temporal-server';
import { startNats, startTemporal } from '../harness/servers';
import { toolPath } from '../harness/tools';

describe('harness - servers survive a crash with their state', () => {
  it('nats-server: a SIGKILL and restart on the same store keeps streams and messages', async () => {
    const server = await startNats();
    let nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
    await jetstream(nc).publish('keep.one', 'payload');
    await nc.close();

    await server.kill();
    expect(server.process?.running).toBe(false);
    await server.restart();

    nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc)).streams.info('KEEP');
    expect(info.state.messages).toBe(1);
    await nc.close();
  });

  it('nats-server: SIGSTOP makes it unresponsive and SIGCONT brings it back', async () => {
    const server = await startNats();
    const nc = await connect({ servers: server.url });
    server.pause();
    // Signal delivery is asynchronous: give the kernel a moment to stop every thread.
    await new Promise((r) => setTimeout(r, 200));
    const silent = new Promise((resolve) => setTimeout(() => resolve('silent'), 500));
    const answer = await Promise.race([nc.flush().then(() => 'answered'), silent]);
    expect(answer).toBe('silent');
    server.resume();
    await nc.flush();
    await nc.close();
  });

  it('temporal: a SIGKILL and restart on the same database keeps workflow history', async () => {
    const server = await startTemporal();
    let connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection });
    // No worker polls this queue: the workflow stays running, and its record must survive.
    await client.workflow.start('nothing', { taskQueue: 'harness-test', workflowId: 'survivor', args: [] });
    await connection.close();

    await server.kill();
    await server.restart();

    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    const description = await client.workflow.getHandle('survivor').describe();
    expect(description.status.name).toBe('RUNNING');
    await connection.close();
  }, 120_000);
});

/** A listener on a free port, standing for whatever process took the port first. */
async function takenPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const port = await freePort();
  // It answers nothing and keeps no connection: a readiness check that reaches it fails at once.
  const holder = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  return { port, release: () => new Promise((r) => holder.close(() => r())) };
}

describe('harness - a port taken between picking and binding', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-port-race-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('nats-server: the start fails as a port race, and started again on another port it serves', async () => {
    const taken = await takenPort();
    const ports = [taken.port, await freePort()];
    const tried: number[] = [];
    try {
      const server = await startWithPortRetry(() => {
        const port = ports[tried.length]!;
        tried.push(port);
        return NatsServer.start({ binary: toolPath('nats-server'), port, storeDir: path.join(dir, `store-${port}`) });
      });
      expect(tried).toEqual(ports);
      const nc = await connect({ servers: server.url });
      await nc.flush();
      await nc.close();
      await server.stop();
    } finally {
      await taken.release();
    }
  });

  it('temporal: a taken frontend port is reported as a port race with its cause, not only a panic', async () => {
    const taken = await takenPort();
    try {
      const error: unknown = await TemporalServer.start({
        binary: toolPath('temporal'),
        port: taken.port,
        dbFile: path.join(dir, 'temporal.db'),
      }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ServerStartError);
      expect((error as ServerStartError).reason).toBe('exited');
      expect((error as ServerStartError).portInUse).toBe(true);
      expect((error as ServerStartError).message).toContain(`127.0.0.1:${taken.port}: bind: address already in use`);
    } finally {
      await taken.release();
    }
  }, 60_000);
});
