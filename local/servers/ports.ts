/**
 * Ports for the servers orderflow launches: a free one, the standard one when it is free, and a
 * start tried again when another process took its port between picking and binding.
 */
import net from 'node:net';

import { ServerStartError } from './process';

/**
 * A TCP port nothing listens on right now, reserved for about a minute.
 *
 * The OS picks it; before it is handed back, a connection to it is closed from the listening side,
 * which leaves that side in TIME_WAIT. While it lasts (60 s on Linux), neither another `listen(0)`
 * nor an outgoing connection's local port is given this number, so parallel tests picking ports
 * cannot draw the same one, yet a server binding it explicitly (SO_REUSEADDR, which Node, Go and
 * PostgreSQL listeners set) can. The Temporal CLI's dev server reserves its own ports the same way.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.once('connection', (accepted) => {
      // The listening side closes first: it is the one left in TIME_WAIT.
      accepted.on('error', () => undefined);
      accepted.end();
    });
    server.listen(0, host, () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) {
        server.close();
        reject(new Error(`no port was assigned on ${host}`));
        return;
      }
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        server.close();
        if (err) reject(err);
        else resolve(address.port);
      };
      const client = net.connect(address.port, host);
      client.on('error', done);
      client.on('end', () => client.end());
      client.on('close', () => done());
    });
  });
}

/** Whether `port` can be bound on `host` now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** `preferred` when it is free, otherwise any free port. */
export async function preferredOrFreePort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return (await isPortFree(preferred, host)) ? preferred : freePort(host);
}

/** How many times a server is started before a port race is reported. */
const PORT_RACE_ATTEMPTS = 3;

/**
 * Runs `start`, which picks its ports itself, again when the server it started said a port it needed
 * was taken: between picking a free port and binding it, another process can take it (a server the
 * port was picked for can pick some of its own too, as Temporal's dev server does). Any other
 * failure, and the last port race, is thrown as it is.
 */
export async function startWithPortRetry<T>(start: () => Promise<T>, attempts = PORT_RACE_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof ServerStartError && err.portInUse) || attempt >= attempts) throw err;
    }
  }
}
