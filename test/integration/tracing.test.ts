/**
 * W3C trace context across the queue: `send` inside an active span puts `traceparent` in the
 * message headers, and the handler runs inside a consumer span whose trace is the sender's.
 * Uses only @opentelemetry/api, with a tiny AsyncLocalStorage context manager and a W3C
 * propagator registered as globals (what an OpenTelemetry SDK would register).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager, type TextMapPropagator } from '@opentelemetry/api';
import { Consumer, Producer } from '../../src/index.js';
import { uniqueName, useRedis } from '../support/redis-server.js';

class AlsContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context { return this.#storage.getStore() ?? ROOT_CONTEXT; }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T { return target; }
  enable(): this { return this; }
  disable(): this { return this; }
}

const w3c: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx);
    if (span) setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-0${span.traceFlags}`);
  },
  extract(ctx, carrier, getter) {
    const header = getter.get(carrier, 'traceparent');
    const match = typeof header === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-0(\d)$/.exec(header) : null;
    if (!match) return ctx;
    return trace.setSpanContext(ctx, { traceId: match[1] as string, spanId: match[2] as string, traceFlags: Number(match[3]), isRemote: true });
  },
  fields: () => ['traceparent'],
};

let redis: Awaited<ReturnType<typeof useRedis>>;
before(async () => {
  redis = await useRedis();
  context.setGlobalContextManager(new AlsContextManager());
  propagation.setGlobalPropagator(w3c);
});
after(async () => {
  context.disable();
  propagation.disable();
  await redis.close();
});

test('the sender\'s trace context travels in the headers and is active in the handler', async () => {
  const stream = uniqueName('trace');
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const producer = new Producer<{ n: number }>({ stream, redis: redis.url });
  const sent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
  await context.with(sent, () => producer.send({ n: 1 }, { headers: { tenant: 'a' } }));

  let seen: { traceparent?: string; tenant?: string; activeTraceId?: string } | undefined;
  const consumer = new Consumer<{ n: number }>({
    stream, group: 'g', redis: redis.url,
    handler: (msg) => {
      seen = { traceparent: msg.headers.traceparent, tenant: msg.headers.tenant, activeTraceId: trace.getActiveSpan()?.spanContext().traceId };
    },
  });
  await consumer.start();
  await consumer.onIdle();
  await consumer.close();
  await producer.close();

  assert.equal(seen?.traceparent, `00-${traceId}-b7ad6b7169203331-01`);
  assert.equal(seen?.tenant, 'a', 'user headers are kept beside the trace context');
  assert.equal(seen?.activeTraceId, traceId, 'the handler runs in a span of the sender\'s trace');
});

test('without an active span no trace header is added', async () => {
  const stream = uniqueName('trace-none');
  const producer = new Producer({ stream, redis: redis.url });
  await producer.send({ n: 2 });
  const consumer = new Consumer({ stream, group: 'g', redis: redis.url });
  const iterator = consumer[Symbol.asyncIterator]();
  const { value } = await iterator.next();
  assert.deepEqual(value?.headers, {});
  value?.ack();
  await consumer.close();
  await producer.close();
});
