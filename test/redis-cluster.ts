import { Redis } from 'ioredis';
import { until } from './utils.js';

/**
 * The Redis Cluster `npm run test:cluster` started (scripts/with-redis-cluster.mjs): its nodes,
 * which one serves a key, and a master's death.
 */
export class TestCluster {
  private constructor(readonly ports: readonly number[]) {}

  static fromEnv(): TestCluster {
    const ports = (process.env.REDIS_CLUSTER_PORTS ?? '').split(',').filter(Boolean).map(Number);
    if (ports.length === 0) {
      throw new Error('no Redis Cluster: run this suite with npm run test:cluster');
    }
    return new TestCluster(ports);
  }

  get url(): string {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`).join(',');
  }

  /** The port of the master that serves `key`'s slot now, asked of a node still alive. */
  async masterOf(key: string): Promise<number> {
    return this.ask(async (node) => {
      const slot = Number(await node.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<
        [number, number, [string, number]]
      >;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (range === undefined) throw new Error(`slot ${slot} is served by no node`);
      return range[2][1];
    });
  }

  /** Kills the node on `port` (SHUTDOWN NOSAVE): a master that dies. */
  async kill(port: number): Promise<void> {
    const node = connectTo(port);
    await node.connect();
    await node.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    node.disconnect();
  }

  /** Resolves once another node serves `key`'s slot and the Cluster is whole again. */
  async failedOver(key: string, from: number, boundMs: number): Promise<void> {
    await until(
      async () => {
        try {
          const master = await this.masterOf(key);
          if (master === from) return false;
          return await this.ask(async (node) =>
            String(await node.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
          );
        } catch {
          return false;
        }
      },
      boundMs,
      50,
    );
  }

  /** Commands the masters alive have processed since they started. */
  async commandsProcessed(): Promise<number> {
    let total = 0;
    for (const port of this.ports) {
      const node = connectTo(port);
      try {
        await node.connect();
        const info = await node.info();
        if (info.includes('role:master')) {
          total += Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
        }
      } catch {
        // A node killed by the test.
      } finally {
        node.disconnect();
      }
    }
    return total;
  }

  /** `question` put to the first node that answers. */
  private async ask<T>(question: (node: Redis) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const port of this.ports) {
      const node = connectTo(port);
      try {
        await node.connect();
        return await question(node);
      } catch (error) {
        last = error;
      } finally {
        node.disconnect();
      }
    }
    throw last;
  }
}

/** A connection to one node that gives up at once when the node is gone. */
function connectTo(port: number): Redis {
  return new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
}
