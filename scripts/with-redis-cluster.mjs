// `npm run test:cluster`: starts a Redis Cluster of three masters, each with a replica, from
// `redis-server` on free loopback ports; runs the command it is given with REDIS_URL naming the
// nodes (and REDIS_CLUSTER_PORTS listing them); then stops every node it started, whatever the
// command did. Usage: node scripts/with-redis-cluster.mjs <command> [arguments...]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const MASTERS = 3;
const NODES = MASTERS * 2;
/** How long a node may be unreachable before its replica is promoted. */
const NODE_TIMEOUT_MS = 1_500;
const READY_TIMEOUT_MS = 20_000;

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('usage: with-redis-cluster.mjs <command> [arguments...]\n');
  process.exit(2);
}

// Without libfaketime: redis-server does not start under it, and keeps its own clock.
const serverEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => name !== 'LD_PRELOAD' && !name.startsWith('FAKETIME'),
  ),
);
const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
const servers = [];

function stopAll() {
  for (const server of servers) if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/** Whether the port, and its cluster bus port (+10000), are free on the loopback. */
function free(port) {
  const probe = (p) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  return probe(port).then((ok) => ok && probe(port + 10_000));
}

async function freePorts(count) {
  const ports = [];
  for (let port = 20_000 + Math.floor(Math.random() * 20_000); ports.length < count; port += 1) {
    if (port > 55_000) port = 20_000;
    if (await free(port)) ports.push(port);
  }
  return ports;
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const finish = (answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('data', () => finish(true));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

function cli(port, ...words) {
  const result = spawnSync('redis-cli', ['-p', String(port), ...words], { encoding: 'utf8' });
  return result.stdout;
}

async function until(what, condition) {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`${what}: not in time`);
    await delay(50);
  }
}

let code = 1;
try {
  const ports = await freePorts(NODES);
  for (const port of ports) {
    const server = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        ...['--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
      ],
      { stdio: 'ignore', env: serverEnv },
    );
    servers.push(server);
  }
  for (const port of ports) await until(`node ${port}`, () => answers(port));
  const created = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ],
    { encoding: 'utf8' },
  );
  if (created.status !== 0)
    throw new Error(`cluster create failed:\n${created.stdout}${created.stderr}`);
  // Every node sees every other, and every slot served.
  await until('cluster ok', () =>
    ports.every(
      (port) =>
        cli(port, 'cluster', 'info').includes('cluster_state:ok') &&
        cli(port, 'cluster', 'nodes').trim().split('\n').length === NODES,
    ),
  );
  process.stdout.write(
    `Redis Cluster: ${MASTERS} masters and ${MASTERS} replicas on ${ports.join(', ')}\n`,
  );
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: {
      ...process.env,
      REDIS_URL: ports.map((port) => `redis://127.0.0.1:${port}`).join(','),
      REDIS_CLUSTER_PORTS: ports.join(','),
    },
  });
  code = await new Promise((resolve) => child.on('exit', (exit) => resolve(exit ?? 1)));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
} finally {
  stopAll();
}
process.exit(code);
