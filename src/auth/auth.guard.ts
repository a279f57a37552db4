import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { currentContext } from '../http/request-context.js';
import { PUBLIC, REQUIRED_SCOPES } from './access.decorators.js';
import { ForbiddenError, UnauthenticatedError } from './auth-errors.js';
import { Authenticator } from './authenticator.js';
import { ANONYMOUS, type Caller, type Scope } from './caller.js';

type Access = 'public' | ReadonlyArray<{ scope: Scope; because: string }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the guard has let the request in. */
    caller: Caller | null;
  }
}

/**
 * Lets a request in when its credentials name a caller (`X-API-Key: <key>` or
 * `Authorization: Bearer <key or token>`) holding the scopes the route needs; without an
 * authenticator (`AUTH_MODE=none`) every request is the anonymous caller.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly access = new WeakMap<object, Access>();

  constructor(
    private readonly reflector: Reflector,
    /** Null with `AUTH_MODE=none`. */
    @Inject(Authenticator) private readonly authenticator: Authenticator | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = await this.callerOf(request);
    request.caller = caller;
    const known = currentContext();
    if (known !== undefined && caller !== ANONYMOUS) known.caller = caller.name;
    requireScopes(caller, access);
    return true;
  }

  /** A route's access, read from its decorators once: public, or the scopes it needs. */
  private accessOf(context: ExecutionContext): Access {
    const handler = context.getHandler();
    let access = this.access.get(handler);
    if (access === undefined) {
      const targets = [handler, context.getClass()];
      const scopes = this.reflector.getAllAndOverride<Scope[] | undefined>(
        REQUIRED_SCOPES,
        targets,
      );
      access =
        this.reflector.getAllAndOverride<boolean>(PUBLIC, targets) === true
          ? 'public'
          : (scopes ?? []).map((scope) => ({ scope, because: 'this route' }));
      this.access.set(handler, access);
    }
    return access;
  }

  /** Whether every request is the anonymous caller (`AUTH_MODE=none`): nobody has to prove who. */
  get openToAll(): boolean {
    return this.authenticator === null;
  }

  /** The caller the request's credentials name; throws when they name none. */
  async callerOf(request: FastifyRequest): Promise<Caller> {
    if (this.authenticator === null) return ANONYMOUS;
    const credential = credentialOf(request, this.authenticator.acceptsApiKeyHeader);
    if (credential === undefined) {
      throw new UnauthenticatedError(
        this.authenticator.acceptsApiKeyHeader
          ? 'send an API key as X-API-Key or Authorization: Bearer'
          : 'send a token as Authorization: Bearer',
        false,
      );
    }
    const caller = await this.authenticator.authenticate(credential);
    if (caller === null) {
      throw new UnauthenticatedError(
        this.authenticator.acceptsApiKeyHeader
          ? 'the API key is not one this gateway knows'
          : 'the token is not valid: signature, issuer, audience or expiry',
        true,
      );
    }
    return caller;
  }
}

/** Throws when the caller lacks a scope; `because` names what needs it (a parameter, the route). */
export function requireScopes(
  caller: Caller,
  needs: ReadonlyArray<{ scope: Scope; because: string }>,
): void {
  const missing = needs.filter(({ scope }) => !caller.scopes.has(scope));
  if (missing.length > 0) {
    throw new ForbiddenError(
      missing.map(({ scope, because }) => `${because} needs the ${scope} scope`).join('; '),
    );
  }
}

function credentialOf(request: FastifyRequest, apiKeyHeader: boolean): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const bearer = /^Bearer +(\S+) *$/i.exec(authorization);
    if (bearer !== null) return bearer[1];
  }
  const key = request.headers['x-api-key'];
  return apiKeyHeader && typeof key === 'string' && key.trim() !== '' ? key.trim() : undefined;
}
