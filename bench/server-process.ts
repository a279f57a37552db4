import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../src/config/read-variables.js';

/** The gateway as a child process (`gateway-process.ts`), with its memory as the kernel counts it. */
export class GatewayProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Starts the server with the node flags `npm start` gives it. */
  static async start(env: Environment): Promise<GatewayProcess> {
    const script = fileURLToPath(new URL('./gateway-process.js', import.meta.url));
    const child = spawn(process.execPath, [...startFlags(), script], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
      createInterface({ input: child.stdout }).once('line', resolve);
    });
    return new GatewayProcess(child, url);
  }

  /** Resident memory now, and the most it has held since it started (VmRSS, VmHWM), in bytes. */
  memory(): { rss: number; peakRss: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** The flags `npm start` gives node (package.json): the server is measured as it runs. */
export function startFlags(): string[] {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { scripts: Record<string, string> };
  return manifest.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}
