/**
 * A TCP proxy on loopback between the app and a server (Postgres in test/support/chaos/), that can
 * cut every connection at once and refuse new ones for a while: what a failover or a network
 * partition looks like from the app's side.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  /** Connections cut by `cut` (both sides counted once). */
  cutConnections = 0;
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private refuseUntil = 0;
  private portNumber = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return this.portNumber;
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.pairs.size;
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.portNumber = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Drops every open connection and refuses (accepts, then resets) new ones for `ms`. */
  cut(ms: number): void {
    this.refuseUntil = Date.now() + ms;
    for (const pair of [...this.pairs]) {
      this.cutConnections++;
      this.drop(pair);
    }
  }

  async stop(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (Date.now() < this.refuseUntil) {
      client.on('error', () => undefined);
      reset(client);
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => this.drop(pair);
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private drop(pair: [Socket, Socket]): void {
    if (!this.pairs.delete(pair)) return;
    for (const socket of pair) reset(socket);
  }
}

/** Ends the connection with a RST (as a dead peer would), or plainly if it never connected. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
