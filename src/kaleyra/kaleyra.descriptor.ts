import type { ProviderDescriptor } from '../upstreams/provider-descriptor.js';
import { type KaleyraUpstreamSettings, configureKaleyra } from './kaleyra.config.js';
import { KaleyraModule } from './kaleyra.module.js';
import { KaleyraProvider } from './kaleyra.provider.js';

/** Kaleyra in the gateway's list of providers. */
export const kaleyra: ProviderDescriptor<KaleyraUpstreamSettings> = {
  name: 'kaleyra',
  label: 'Kaleyra',
  configure: configureKaleyra,
  module: (settings) => KaleyraModule.register(settings),
  token: KaleyraProvider,
  async sandbox(options) {
    const { KaleyraSimulator } = await import('./sandbox/kaleyra.simulator.js');
    const simulator = await KaleyraSimulator.start(options);
    const { sid, apiKey } = KaleyraSimulator.credentials;
    return {
      baseUrl: simulator.baseUrl,
      account: sid,
      secret: apiKey,
      close: () => simulator.close(),
    };
  },
};
