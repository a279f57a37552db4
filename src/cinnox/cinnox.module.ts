import { type DynamicModule, Module } from '@nestjs/common';
import { CinnoxClient } from './cinnox.client.js';
import { CinnoxProvider } from './cinnox.provider.js';

/** CINNOX's own classes; the gateway adds the HTTP client, the target and the policy. */
@Module({})
export class CinnoxModule {
  static register(): DynamicModule {
    return {
      module: CinnoxModule,
      providers: [CinnoxClient, CinnoxProvider],
      exports: [CinnoxProvider],
    };
  }
}
