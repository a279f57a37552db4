import { once } from 'node:events';
import {
  type AddressInfo,
  type Server,
  type Socket,
  createConnection,
  createServer,
} from 'node:net';

/** A client's `INFO` as RESP: the ready check ioredis makes on every (re)connection. */
const INFO = /\$4\r\ninfo\r\n/i;

/**
 * A TCP proxy in front of a Redis that can hold back the answer to a connection's ready check:
 * the moment between a reconnection being asked whether Redis is ready and hearing the answer.
 */
export class ReadyCheckProxy {
  private holding = false;
  private held: { client: Socket; chunks: Buffer[] } | undefined;
  private readonly sockets = new Set<Socket>();
  private markHeld: () => void = () => undefined;
  private markDrained: () => void = () => undefined;
  /** Resolves once a ready check is asked and its answer held. */
  readonly infoHeld = new Promise<void>((resolve) => (this.markHeld = resolve));
  /** Resolves once the held answer has been passed on and that connection ended. */
  readonly drained = new Promise<void>((resolve) => (this.markDrained = resolve));

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(redisPort: number): Promise<ReadyCheckProxy> {
    // Half open: the client may end its side and still read what the proxy holds for it.
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const proxy = new ReadyCheckProxy(server, (server.address() as AddressInfo).port);
    server.on('connection', (client) => proxy.relay(client, redisPort));
    return proxy;
  }

  /** From now on, the next connection that asks `INFO` does not hear the answer until release(). */
  holdAnswersToInfo(): void {
    this.holding = true;
  }

  /** Passes the held answer on and ends that connection. */
  release(): void {
    const held = this.held;
    if (held === undefined) throw new Error('no answer is held');
    held.client.end(Buffer.concat(held.chunks), () => this.markDrained());
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private relay(client: Socket, redisPort: number): void {
    const upstream = createConnection({ port: redisPort, host: '127.0.0.1' });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.sockets.delete(socket));
    }
    let asked = false;
    client.on('data', (chunk: Buffer) => {
      if (this.holding && this.held === undefined && INFO.test(chunk.toString('latin1'))) {
        asked = true;
        this.held = { client, chunks: [] };
      }
      upstream.write(chunk);
    });
    client.on('end', () => {
      if (!asked) upstream.end();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!asked) {
        client.write(chunk);
        return;
      }
      this.held?.chunks.push(chunk);
      this.markHeld();
    });
    upstream.on('end', () => {
      if (!asked) client.end();
    });
  }
}
