import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client, Connection } from '@temporalio/client';

import { startNats, startTemporal } from '../harness/servers';

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
