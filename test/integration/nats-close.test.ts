/**
 * Letting go of a NATS connection at shutdown (shared/nats/close.ts): drained while the server is
 * there; closed, and the drain's failure told, when the server went first (nats.js rejects that
 * drain with a stackless "connection disconnected", once an "unexpected error" in `orderflow dev`).
 */
import { closeNats } from '../../shared/nats/close';
import { connectNats } from '../../shared/nats/connect';
import { startNats } from '../harness/servers';

describe('nats - closing a connection at shutdown', () => {
  it('nats - closeNats drains and closes a connection whose server is there', async () => {
    const server = await startNats();
    const nc = await connectNats({ servers: [server.url] }, { reconnectForever: true });
    await expect(closeNats(nc)).resolves.toBeUndefined();
    expect(nc.isClosed()).toBe(true);
  });

  it('nats - closeNats closes a connection whose server is gone, within its bound, and says the drain failed', async () => {
    const server = await startNats();
    const nc = await connectNats({ servers: [server.url] }, { reconnectForever: true });
    await server.kill();
    const started = Date.now();
    await expect(closeNats(nc, 3000)).rejects.toThrow(/connection disconnected|drain not done after 3000 ms/);
    // The bound plus a margin: no reconnect loop keeps the connection (and the process) alive.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(nc.isClosed()).toBe(true);
  });
});
