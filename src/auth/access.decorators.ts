import { SetMetadata } from '@nestjs/common';
import type { Scope } from './caller.js';

export const PUBLIC = 'access:public';
export const REQUIRED_SCOPES = 'access:scopes';

/** Served without credentials (health checks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);

/** Served only to callers holding every scope named. */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPES, scopes);
