/**
 * W3C trace context across the queue, when `@opentelemetry/api` is installed (an optional peer
 * dependency): `send` injects the active context into the message headers (`traceparent`,
 * `tracestate`) and opens a producer span; the consumer opens a consumer span around the
 * handler, linked to the sender's context. Without the package, both are no-ops.
 */
import { createRequire } from 'node:module';
import type { Headers } from './codec.js';

type OtelApi = typeof import('@opentelemetry/api');

const loadOtel = (): OtelApi | undefined => {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return undefined;
  }
};

/** The OpenTelemetry API if installed (looked up once). */
const otel: OtelApi | undefined = loadOtel();

/** Whether tracing is available. */
export const tracingAvailable = otel !== undefined;

/** Headers with the active trace context added (unchanged when there is none or no OpenTelemetry). */
export function injectTraceContext(headers: Headers | undefined): Headers | undefined {
  if (otel === undefined) return headers;
  const active = otel.trace.getSpan(otel.context.active());
  if (active === undefined) return headers;
  const carrier: Headers = { ...headers };
  otel.propagation.inject(otel.context.active(), carrier);
  return carrier;
}

/** Runs `work` inside a consumer span whose parent is the context carried in `headers`. */
export async function withConsumerSpan<R>(stream: string, group: string, id: string, headers: Headers, work: () => Promise<R>): Promise<R> {
  if (otel === undefined || headers.traceparent === undefined) return work();
  const api = otel;
  const parent = api.propagation.extract(api.context.active(), headers);
  const tracer = api.trace.getTracer('streamq');
  return tracer.startActiveSpan(`${stream} process`, {
    kind: api.SpanKind.CONSUMER,
    attributes: { 'messaging.system': 'redis', 'messaging.destination.name': stream, 'messaging.consumer.group.name': group, 'messaging.message.id': id },
  }, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
