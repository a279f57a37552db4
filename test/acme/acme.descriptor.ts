import type { ProviderDescriptor } from '../../src/upstreams/provider-descriptor.js';
import { configureAcme } from './acme.config.js';
import { AcmeModule } from './acme.module.js';
import { AcmeProvider } from './acme.provider.js';

/** Acme in a gateway's list of providers. */
export const acme: ProviderDescriptor = {
  name: 'acme',
  label: 'Acme',
  configure: configureAcme,
  module: () => AcmeModule.register(),
  token: AcmeProvider,
  async sandbox(options) {
    const { AcmeSimulator } = await import('./acme.simulator.js');
    const simulator = await AcmeSimulator.start(options);
    return {
      baseUrl: simulator.baseUrl,
      account: AcmeSimulator.credentials.account,
      secret: AcmeSimulator.credentials.token,
      close: () => simulator.close(),
    };
  },
};
