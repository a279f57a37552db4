import { Logger } from '@nestjs/common';
import { CinnoxSimulator } from '../cinnox/sandbox/cinnox.simulator.js';
import { KaleyraSimulator } from '../kaleyra/sandbox/kaleyra.simulator.js';

/** Both upstream simulators on fixed ports, for running the gateway by hand against them. */

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
const cinnox = await CinnoxSimulator.start({ host, port: port('CINNOX_SIM_PORT', 4010) });
const kaleyra = await KaleyraSimulator.start({ host, port: port('KALEYRA_SIM_PORT', 4020) });

const { appId, appToken } = CinnoxSimulator.credentials;
const { sid, apiKey } = KaleyraSimulator.credentials;
logger.log(`CINNOX at ${cinnox.baseUrl}: app ID ${appId}, app token ${appToken}`);
logger.log(`Kaleyra at ${kaleyra.baseUrl}: SID ${sid}, API key ${apiKey}`);
logger.log(
  `${cinnox.records().length} CINNOX calls, ${kaleyra.records().length} Kaleyra calls ` +
    `(${kaleyra.visibleRecords().length} within retention); control routes under /__sim/`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.log(`${signal}: stopping`);
    void Promise.all([cinnox.close(), kaleyra.close()]).then(() => process.exit(0));
  });
}
