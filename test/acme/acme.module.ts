import { type DynamicModule, Module } from '@nestjs/common';
import { AcmeClient } from './acme.client.js';
import { AcmeProvider } from './acme.provider.js';

@Module({})
export class AcmeModule {
  static register(): DynamicModule {
    return { module: AcmeModule, providers: [AcmeClient, AcmeProvider], exports: [AcmeProvider] };
  }
}
