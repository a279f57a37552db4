import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { clockEnv, gatewayEnv, startSimulators, type Simulators } from './utils.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

/** The servers a test started; whatever a test does, none outlives it. */
const started = new Set<ChildProcess>();

/** Starts `node dist/main.js` in `dir`; resolves with the URL it listens on, or its exit and output. */
function startServer(
  dir: string,
  env: Record<string, string | undefined>,
): Promise<{
  server: ChildProcess;
  url?: string;
  exit?: number | null;
  output: string;
  /** Everything written so far, read when asked. */
  written: () => string;
}> {
  const server = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...clockEnv(), ...env, PORT: '0', HOST: '127.0.0.1' },
  });
  started.add(server);
  server.on('exit', () => started.delete(server));
  let output = '';
  return new Promise((resolve) => {
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /Listening on (http:\/\/\S+?);/.exec(output)?.[1];
      if (url !== undefined) resolve({ server, url, output, written: () => output });
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (exit) => resolve({ server, exit, output, written: () => output }));
  });
}

/**
 * The container image's recipe, run outside Docker (no engine runs here): the build stage's
 * `npm run build:production` in a clean folder, then a runtime folder of the production
 * dependencies alone (`npm ci --omit=dev` from the lockfile) and the built tree, started as the
 * image starts it.
 */
describe('the production build', () => {
  let build: string;
  let dir: string;
  let sims: Simulators;

  beforeAll(async () => {
    build = await mkdtemp(join(tmpdir(), 'call-log-gateway-build-'));
    for (const name of [
      'src',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'nest-cli.json',
    ]) {
      await cp(join(ROOT, name), join(build, name), { recursive: true });
    }
    await symlink(join(ROOT, 'node_modules'), join(build, 'node_modules'));
    await run('npm', ['run', 'build:production'], { cwd: build });
    dir = await mkdtemp(join(tmpdir(), 'call-log-gateway-runtime-'));
    for (const name of ['package.json', 'package-lock.json']) {
      await cp(join(ROOT, name), join(dir, name));
    }
    // From the lockfile, the production dependencies only, out of npm's cache where it can.
    await run(
      'npm',
      ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      { cwd: dir },
    );
    await cp(join(build, 'dist'), join(dir, 'dist'), { recursive: true });
    sims = await startSimulators();
  }, 180_000);

  afterEach(() => {
    for (const server of started) server.kill('SIGKILL');
  });

  afterAll(async () => {
    await sims?.close();
    await Promise.all([build, dir].map((path) => rm(path, { recursive: true, force: true })));
  });

  it('holds no simulator code', async () => {
    const files = await filesUnder(join(dir, 'dist'));
    expect(files).toContain('main.js');
    expect(files.filter((file) => /sandbox|simulator/i.test(file))).toEqual([]);
    for (const file of files.filter((name) => name.endsWith('.js'))) {
      const text = await readFile(join(dir, 'dist', file), 'utf8');
      expect([file, /class \w*Simulator|__sim\//.test(text)]).toEqual([file, false]);
    }
  });

  it('serves live providers in production', async () => {
    const env = gatewayEnv(sims, {
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
      CURSOR_SECRET: 'a-production-secret-key',
      LOG_LEVEL: 'log',
    });
    const { server, url, output } = await startServer(dir, env);
    try {
      expect([url, output]).toEqual([expect.stringMatching(/^http:/), expect.any(String)]);
      const response = await fetch(`${url}/call-logs?limit=5`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { meta: { providers: Array<{ mode: string }> } };
      expect(body.meta.providers.map((meta) => meta.mode)).toEqual(['live', 'live']);
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('drains on SIGTERM: the requests in flight answer 200, and the process exits 0', async () => {
    const env = gatewayEnv(sims, {
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
      CURSOR_SECRET: 'a-production-secret-key',
      LOG_LEVEL: 'log',
      SHUTDOWN_GRACE_MS: '8000',
    });
    const { server, url, output, written } = await startServer(dir, env);
    expect([url, output]).toEqual([expect.stringMatching(/^http:/), expect.any(String)]);
    sims.cinnox.setFaults({ latencyMs: 300 });
    sims.cinnox.resetStats();
    try {
      // In the past for the simulators and for the server, which runs on the machine's clock.
      const now = Math.min(sims.clock.now(), Date.now());
      const inFlight = Array.from({ length: 5 }, (_, i) => {
        const since = now - (20 + i) * 3_600_000;
        const query = `since=${new Date(since).toISOString()}&until=${new Date(since + 3_600_000).toISOString()}`;
        return fetch(`${url}/call-logs?${query}`).then((answer) => answer.status);
      });
      // Each asks CINNOX for one page, slowed: once all five have, all five are in flight.
      await sims.cinnox.arrived(5);
      const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
      const signalled = performance.now();
      server.kill('SIGTERM');
      expect(await Promise.all(inFlight)).toEqual(Array(5).fill(200));
      expect(await exited).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(8_000);
      const steps = written()
        .split('\n')
        .filter((line) => line.includes('"msg":"shutdown:'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(steps).toEqual([
        'shutdown: readiness answers 503 from now on',
        'shutdown: the listener stops; idle connections close; requests in flight finish',
        'shutdown: requests done; closing Redis, the limiters and the simulators',
        'shutdown: done',
      ]);
    } finally {
      sims.cinnox.resetFaults();
      server.kill('SIGKILL');
    }
  });

  it('refuses to start without credentials, saying the simulators are left out', async () => {
    const { exit, output } = await startServer(dir, { NODE_ENV: 'development' });
    expect(exit).toBe(1);
    expect(output).toContain('this build leaves the simulators out');
  });
});
