/**
 * A TCP proxy on loopback placed between one process and nats-server, so the nemesis can cut that
 * process's link alone: cut() destroys every connection and refuses new ones (accepted and closed
 * at once) until heal().
 */
import net from 'node:net';

export class LinkProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  private cutOff = false;
  private listening = 0;

  private constructor(
    private readonly upstreamPort: number,
    private readonly host: string,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Listens on a free loopback port and forwards each connection to `upstreamPort`. */
  static async start(upstreamPort: number, host = '127.0.0.1'): Promise<LinkProxy> {
    const proxy = new LinkProxy(upstreamPort, host);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, host, () => resolve());
    });
    const address = proxy.server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    proxy.listening = address.port;
    return proxy;
  }

  get port(): number {
    return this.listening;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.cutOff;
  }

  private accept(client: net.Socket): void {
    if (this.cutOff) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.upstreamPort, this.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      // Either side ending ends both: the client then reconnects, as after a real network fault.
      socket.once('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut(): void {
    this.cutOff = true;
    for (const socket of this.sockets) socket.destroy();
  }

  heal(): void {
    this.cutOff = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
