import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

const READY_TIMEOUT_MS = 5_000;

/**
 * A private `redis-server` on a free loopback port, for tests that stop, slow or misconfigure
 * Redis. `stop()` and `start()` keep the port, as a Redis restarted in place would.
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  /** Starts a server; `extraArgs` go to `redis-server` as they are, e.g. `['--requirepass', 'x']`. */
  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), extraArgs);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.process) return;
    this.output = '';
    const child = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1'],
        ...['--save', '', '--appendonly', 'no'],
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: withoutFakeTime(process.env) },
    );
    this.process = child;
    const collect = (chunk: Buffer): void => void (this.output += chunk.toString());
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = once(child, 'exit').then(() => {
      throw new Error(`redis-server exited at start-up:\n${this.output}`);
    });
    try {
      await Promise.race([this.answering(), exited]);
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      exited.catch(() => undefined);
    }
  }

  /** Stops the server (SIGTERM) and waits for the process to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  /** Empties this private server, as an operator's FLUSHALL would. */
  async flush(): Promise<void> {
    const { Redis } = await import('ioredis');
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  /** Resolves once the server answers a PING (any reply counts: it may require a password). */
  private async answering(): Promise<void> {
    const deadline = performance.now() + READY_TIMEOUT_MS;
    while (!(await replies(this.port))) {
      if (performance.now() > deadline) {
        throw new Error(`redis-server did not answer:\n${this.output}`);
      }
      await delay(20);
    }
  }
}

/**
 * The environment without libfaketime: a suite run under `faketime` shifts the clock of its whole
 * process tree, and redis-server does not start under it (its allocator and libfaketime recurse on
 * clock_gettime). Redis keeps its own clock, as a real one would.
 */
function withoutFakeTime(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  for (const name of Object.keys(rest)) {
    if (name === 'LD_PRELOAD' || name.startsWith('FAKETIME')) delete rest[name];
  }
  return rest;
}

function replies(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const finish = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('data', () => finish(true));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
