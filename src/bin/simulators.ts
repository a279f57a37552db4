import { Logger } from '@nestjs/common';
import { PROVIDERS } from '../app/providers.js';

/**
 * Every provider's simulator on a fixed port (CINNOX 4010, Kaleyra 4020, each next one 10 further;
 * `<PROVIDER>_SIM_PORT` moves one), for running the gateway by hand against them.
 */

const logger = new Logger('Simulators');

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a port number, not "${raw}"`);
  }
  return value;
}

// Loopback unless told otherwise (a container needs 0.0.0.0).
const host = process.env.SIM_HOST || '127.0.0.1';
const running = await Promise.all(
  PROVIDERS.map(async (descriptor, i) => {
    const sandbox = await descriptor.sandbox({
      now: () => new Date(),
      host,
      port: port(`${descriptor.name.toUpperCase()}_SIM_PORT`, 4010 + 10 * i),
    });
    logger.log(
      `${descriptor.label} at ${sandbox.baseUrl}: account ${sandbox.account}, secret ${sandbox.secret}; control routes under /__sim/`,
    );
    return sandbox;
  }),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.log(`${signal}: stopping`);
    void Promise.all(running.map((sandbox) => sandbox.close())).then(() => process.exit(0));
  });
}
