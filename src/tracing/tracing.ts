import { type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TracingSettings {
  /** Where spans are sent over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`); none: nowhere. */
  endpoint: string | undefined;
  serviceName: string;
}

/**
 * The gateway's tracer: spans of each request, each fill of a slice and each upstream request,
 * exported over OTLP when an endpoint is configured (or to the processors a test gives). Without
 * either, the tracer is OpenTelemetry's no-op one, which costs next to nothing.
 */
export class Tracing {
  private constructor(
    readonly tracer: Tracer,
    private readonly provider: BasicTracerProvider | undefined,
  ) {}

  /** Whether spans go anywhere: without an endpoint or a processor, none is worth making. */
  get recording(): boolean {
    return this.provider !== undefined;
  }

  static create(settings: TracingSettings, processors: readonly SpanProcessor[] = []): Tracing {
    const spanProcessors = [
      ...processors,
      ...(settings.endpoint === undefined
        ? []
        : [
            new BatchSpanProcessor(
              new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` }),
            ),
          ]),
    ];
    if (spanProcessors.length === 0)
      return new Tracing(trace.getTracer('call-log-gateway'), undefined);
    // A provider of its own, not the global one: several gateways in one process (the tests)
    // each keep their spans.
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
      spanProcessors,
    });
    return new Tracing(provider.getTracer('call-log-gateway'), provider);
  }

  /** Sends the spans still held, and stops. */
  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}
