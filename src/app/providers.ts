import { cinnox } from '../cinnox/cinnox.descriptor.js';
import { kaleyra } from '../kaleyra/kaleyra.descriptor.js';
import type { ProviderDescriptor } from '../upstreams/provider-descriptor.js';

/** The gateway's providers, in the order `meta.providers` lists them: a new one is one more line. */
export const PROVIDERS: readonly ProviderDescriptor[] = [cinnox, kaleyra];
