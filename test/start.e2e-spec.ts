import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { clockEnv } from './utils.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

/** The processes under `pid`, with their command lines. */
async function descendants(pid: number): Promise<Array<{ pid: number; args: string }>> {
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,ppid=,args=']);
  const rows = stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .flatMap((match) =>
      match === null ? [] : [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] }],
    );
  const found: Array<{ pid: number; args: string }> = [];
  const walk = (parent: number): void => {
    for (const row of rows.filter((candidate) => candidate.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

/** Stops `npm start` as an orchestrator would: SIGTERM to the server; npm ends with its code. */
async function stop(npm: ChildProcess): Promise<number | null> {
  if (npm.exitCode !== null) return npm.exitCode;
  const exited = new Promise<number | null>((resolve) => npm.on('exit', resolve));
  for (const { pid, args } of await descendants(npm.pid ?? -1)) {
    if (/^(\S*\/)?node (--\S+ )*dist\/main\.js$/.test(args)) process.kill(pid, 'SIGTERM');
  }
  return exited;
}

/** The `npm start` runs a test began; whatever a test does, none outlives it. */
const running = new Set<ChildProcess>();

/** `npm start` in `dir`; resolves once it listens, with how long the first answer took. */
async function npmStart(dir: string): Promise<{ npm: ChildProcess; url: string; ms: number }> {
  const started = performance.now();
  const npm = spawn('npm', ['start'], {
    cwd: dir,
    env: {
      ...clockEnv(),
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
    },
  });
  running.add(npm);
  npm.on('exit', () => running.delete(npm));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const found = /Listening on (http:\/\/\S+?);/.exec(output)?.[1];
      if (found !== undefined) resolve(found);
    };
    npm.stdout.on('data', read);
    npm.stderr.on('data', read);
    npm.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${output}`)));
  });
  const answer = await fetch(`${url}/health/live`);
  expect(answer.status).toBe(200);
  return { npm, url, ms: performance.now() - started };
}

/** `npm start` builds when the tree is not built, then runs the server alone, with no compiler. */
describe('npm start', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'call-log-gateway-start-'));
    for (const name of [
      'src',
      'scripts',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'nest-cli.json',
    ]) {
      await cp(join(ROOT, name), join(dir, name), { recursive: true });
    }
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });

  afterEach(async () => {
    for (const npm of running) {
      for (const { pid } of await descendants(npm.pid ?? -1)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone between the listing and the signal.
        }
      }
      npm.kill('SIGKILL');
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a tree that is not built, then leaves one server process and no compiler', async () => {
    const { npm } = await npmStart(dir);
    try {
      const processes = await descendants(npm.pid ?? -1);
      const nodes = processes.filter(({ args }) => /^(\S*\/)?node /.test(args));
      expect(nodes.map(({ args }) => args)).toEqual([
        expect.stringMatching(/node (--\S+ )*dist\/main\.js$/),
      ]);
      expect(processes.some(({ args }) => /tsc|nest (start|build)/.test(args))).toBe(false);
    } finally {
      await stop(npm);
    }
  }, 60_000);

  it('starts a built tree without building: the first answer within a few seconds', async () => {
    const { npm, ms } = await npmStart(dir);
    try {
      expect(ms).toBeLessThan(5_000);
    } finally {
      await stop(npm);
    }
  });

  it('in sandbox mode, ends with 0 on SIGTERM once it has drained', async () => {
    const { npm } = await npmStart(dir);
    let output = '';
    npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await stop(npm)).toBe(0);
    expect(output).toContain('"msg":"shutdown: done"');
  });
});

/** The container runs the server as `npm start` does: the same node flags, the same file. */
describe('the image', () => {
  it('runs the command of npm start', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]';
    expect((JSON.parse(cmd) as string[]).join(' ')).toBe(manifest.scripts.start);
    expect(manifest.scripts['start:prod']).toBe(manifest.scripts.start);
  });
});
