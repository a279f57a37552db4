import type { ProviderDescriptor } from '../upstreams/provider-descriptor.js';
import type { UpstreamSettings } from '../upstreams/upstream-config.js';
import { configureCinnox } from './cinnox.config.js';
import { CinnoxModule } from './cinnox.module.js';
import { CinnoxProvider } from './cinnox.provider.js';

/** CINNOX in the gateway's list of providers. */
export const cinnox: ProviderDescriptor<UpstreamSettings> = {
  name: 'cinnox',
  label: 'CINNOX',
  configure: configureCinnox,
  module: () => CinnoxModule.register(),
  token: CinnoxProvider,
  async sandbox(options) {
    const { CinnoxSimulator } = await import('./sandbox/cinnox.simulator.js');
    const simulator = await CinnoxSimulator.start(options);
    const { appId, appToken } = CinnoxSimulator.credentials;
    return {
      baseUrl: simulator.baseUrl,
      account: appId,
      secret: appToken,
      close: () => simulator.close(),
    };
  },
};
