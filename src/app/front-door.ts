import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
import {
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  propagation,
  trace,
} from '@opentelemetry/api';
import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { FRONT_DOOR_PROBLEMS, PROBLEM_CONTENT_TYPE } from '../http/problem.js';
import { type RequestContext, runInContext } from '../http/request-context.js';
import { Lifecycle } from '../health/lifecycle.js';
import type { Tracing } from '../tracing/tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's context, as the code serving it sees it. */
    context: RequestContext | null;
    /** The request's span. */
    span: Span | null;
  }
}

/** What the gateway lets through its door, and how it stands behind a proxy. */
export interface FrontDoorSettings {
  /**
   * Fastify's `trustProxy`: whether to take the client's address from `X-Forwarded-For`: from
   * any proxy (true), none (false), or the proxies at these addresses and CIDRs.
   */
  trustProxy: boolean | string;
  /** Origins a browser may call from; empty: CORS is off. */
  corsOrigins: readonly string[];
  docsEnabled: boolean;
}

/** Longer URLs are refused with 414 (longer still, Node refuses the headers with 431). */
const MAX_URL_LENGTH = 8_192;

/** The files Swagger UI needs; the rest of its folder (package.json, source maps) is not served. */
const DOCS_FILES = new Set([
  '/docs',
  '/docs/',
  '/docs/index.html',
  '/docs/swagger-ui.css',
  '/docs/swagger-ui-bundle.js',
  '/docs/swagger-ui-standalone-preset.js',
  '/docs/swagger-ui-init.js',
  '/docs/favicon-32x32.png',
  '/docs/favicon-16x16.png',
]);

/** A request id from the caller (an API gateway's, say) is kept when it is sane. */
const requestId = (header: unknown): string =>
  typeof header === 'string' && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();

/** The headers helmet sets with `options`, as it sets them on any response. */
function securityHeaders(options: Parameters<typeof helmet>[0]): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const response = {
    setHeader: (name: string, value: string | number) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  // Helmet 8 throws rather than passing an error on.
  helmet(options)({} as never, response as never, () => undefined);
  return headers;
}

/** The Fastify options of the door: request ids, the proxy, and errors before any request exists. */
export function frontDoorOptions(settings: FrontDoorSettings): FastifyServerOptions {
  return {
    genReqId: (request) => requestId(request.headers['x-request-id']),
    trustProxy: settings.trustProxy,
    clientErrorHandler: refuseMalformed,
    frameworkErrors: (error, request, reply) => {
      void problem(reply, request, 400, `the request cannot be read: ${error.message}`);
    },
  };
}

/**
 * What every answer goes through: a context for the request, security headers (with a CSP that
 * Swagger UI works under), CORS only for the configured origins, only Swagger UI's own files under
 * /docs, and `Cache-Control: no-store` unless the answer says otherwise.
 */
export async function openFrontDoor(
  app: NestFastifyApplication,
  settings: FrontDoorSettings,
  tracing: Tracing,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('caller', null);
  fastify.decorateRequest('context', null);
  fastify.decorateRequest('span', null);
  // Helmet's headers do not depend on the request: they are taken from it once and set as they
  // are. (@fastify/helmet builds the middleware again for every request, which halved the
  // requests a second a warm page could be served at; building the CSP string each time cost a
  // further 3% of a warm page.)
  const shared = {
    // A JSON API is fetched from other sites' pages only through CORS, which decides on its own.
    crossOriginResourcePolicy: {
      policy:
        settings.corsOrigins.length > 0 ? ('cross-origin' as const) : ('same-origin' as const),
    },
    hsts: { maxAge: 15_552_000, includeSubDomains: true },
    frameguard: { action: 'deny' as const },
  };
  // Swagger UI's pages: every header helmet has, with a CSP that Swagger UI works under.
  const documents = securityHeaders({
    ...shared,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Swagger UI styles its elements inline.
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
  // Every other answer is data, never a page: the headers that act on such an answer (OWASP's REST
  // Security Cheat Sheet), with a CSP that allows nothing. The others act only on a document a
  // browser renders (an opener's window, DNS prefetching, IE's downloads, Flash's policies, the
  // XSS auditor browsers dropped), and took 375 of a warm page's 952 bytes of headers, which its
  // clients parse too.
  const answers = securityHeaders({
    ...shared,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  // One hook, in callback style: every hook a request passes costs it, as does every promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    const refusal = refused(request, settings.docsEnabled);
    if (refusal !== undefined) {
      void problem(reply, request, refusal.status, refusal.detail);
      return;
    }
    const secure = request.url.startsWith('/docs') ? documents : answers;
    for (const [name, value] of secure) reply.raw.setHeader(name, value);
    const context = {
      requestId: request.id,
      caller: undefined,
      upstreamRequests: 0,
      revalidations: 0,
    };
    request.context = context;
    // Without a trace to record, the request's context alone: the span, the caller's trace and
    // their contexts cost a warm page 3% for nothing.
    if (!tracing.recording) {
      runInContext(context, done, ROOT_CONTEXT);
      return;
    }
    // The request's span, continuing the caller's trace when it sends a `traceparent`.
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracing.tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'call_log.request_id': request.id,
        },
      },
      parent,
    );
    // Kept on the request too: the response is written outside the request's context.
    request.span = span;
    runInContext(context, done, trace.setSpan(parent, span));
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = request.span;
    if (span !== null) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      const caller = request.context?.caller;
      if (caller !== undefined) span.setAttribute('call_log.caller', caller);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  const lifecycle = app.get(Lifecycle);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // Draining: the client opens its next request elsewhere.
    if (lifecycle.draining) reply.header('connection', 'close');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...settings.corsOrigins],
      methods: ['GET', 'HEAD'],
      allowedHeaders: [
        'Authorization',
        'X-API-Key',
        'X-Request-Id',
        'X-Request-Timeout',
        'Cache-Control',
      ],
      exposedHeaders: [
        'Cache-Status',
        'X-Request-Id',
        'RateLimit',
        'RateLimit-Policy',
        'Retry-After',
      ],
      maxAge: 600,
    });
  }
}

/** What the door refuses before any route: a URL too long, a file under /docs that is not served. */
function refused(
  request: FastifyRequest,
  docsEnabled: boolean,
): { status: 404 | 414; detail: string } | undefined {
  if (request.url.length > MAX_URL_LENGTH) {
    return { status: 414, detail: `the URL is longer than ${MAX_URL_LENGTH} characters` };
  }
  if (!request.url.startsWith('/docs')) return undefined;
  const path = request.url.split('?')[0];
  if ((path === '/docs' || path.startsWith('/docs/')) && !(docsEnabled && DOCS_FILES.has(path))) {
    return { status: 404, detail: `${path} is not served` };
  }
  return undefined;
}

/** A problem answered by the door itself. */
function problem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: keyof typeof FRONT_DOOR_PROBLEMS,
  detail: string,
): FastifyReply {
  return reply
    .code(status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send({
      instance: request.url.slice(0, 200),
      requestId: String(request.id),
      ...FRONT_DOOR_PROBLEMS[status],
      status,
      detail,
    });
}

/**
 * A request Node could not parse (headers too large: 431; anything else: 400), answered as a
 * problem on the raw socket, since no request exists yet.
 */
function refuseMalformed(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({
    requestId: randomUUID(),
    ...FRONT_DOOR_PROBLEMS[status],
    status,
    detail:
      status === 431
        ? 'the request line and headers are larger than the gateway reads'
        : 'the request is not well-formed HTTP',
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
