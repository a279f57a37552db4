import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gatewayEnv, startSimulators, type Simulators } from './utils.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

/** Starts `node dist/main.js` in `dir`; resolves with the URL it listens on, or its exit and output. */
function startServer(
  dir: string,
  env: Record<string, string | undefined>,
): Promise<{ server: ChildProcess; url?: string; exit?: number | null; output: string }> {
  const server = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...env, PORT: '0', HOST: '127.0.0.1' },
  });
  let output = '';
  return new Promise((resolve) => {
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /Listening on (http:\/\/\S+?);/.exec(output)?.[1];
      if (url !== undefined) resolve({ server, url, output });
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (exit) => resolve({ server, exit, output }));
  });
}

describe('the production build', () => {
  let dir: string;
  let sims: Simulators;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'call-log-gateway-build-'));
    for (const name of [
      'src',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'nest-cli.json',
    ]) {
      await cp(join(ROOT, name), join(dir, name), { recursive: true });
    }
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    await run('npm', ['run', 'build:production'], { cwd: dir });
    sims = await startSimulators();
  }, 120_000);

  afterAll(async () => {
    await sims?.close();
    await rm(dir, { recursive: true, force: true });
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

  it('refuses to start without credentials, saying the simulators are left out', async () => {
    const { exit, output } = await startServer(dir, { NODE_ENV: 'development' });
    expect(exit).toBe(1);
    expect(output).toContain('this build leaves the simulators out');
  });
});
