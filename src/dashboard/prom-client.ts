/**
 * streamq's metrics in a prom-client registry, without depending on prom-client: the collectors
 * registered here are plain objects with the shape prom-client's `Registry` reads (`name`,
 * `help`, `type`, `aggregator`, `get()`, `reset()`), and read a streamq `MetricsRegistry` at every
 * scrape. prom-client is an optional peer dependency: only the application that calls this has it.
 */
import { COUNTER_HELP, defaultRegistry, HANDLER_BUCKETS, type CounterValues, type MetricsRegistry } from '../metrics.js';

/** The part of a prom-client `Registry` used here (prom-client ≥ 13). */
export interface PromClientLike {
  registerMetric(metric: never): void;
  removeSingleMetric(name: string): void;
}

/** Options of {@link registerPromClient}. */
export interface RegisterPromClientOptions {
  /** Put before every metric name, e.g. `myapp_` → `myapp_streamq_acked_total`. @default '' */
  prefix?: string;
  /** The streamq registry to read. @default defaultRegistry */
  source?: MetricsRegistry;
}

type Labels = Record<string, string | number>;
interface Value { value: number; labels: Labels; metricName?: string }
interface Collector {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }>;
  reset(): void;
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A collector whose values are read from `source` at each scrape. */
const collector = (name: string, help: string, type: Collector['type'], values: () => Value[]): Collector => ({
  name, help, type, aggregator: 'sum',
  get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
  reset: () => undefined,
});

/**
 * Registers streamq's counters, in-flight gauge and handler-duration histogram (the same series as
 * `defaultRegistry.prometheus()`) into a prom-client registry, read at every scrape. Returns the
 * registered names; call the returned `unregister()` to remove them.
 *
 * @example
 * ```ts
 * import client from 'prom-client';
 * import { registerPromClient } from 'streamq/dashboard';
 * registerPromClient(client.register, { prefix: 'myapp_' });
 * ```
 * @throws Error from prom-client when a metric of the same name is registered already.
 */
export function registerPromClient(registry: PromClientLike, options: RegisterPromClientOptions = {}): { names: string[]; unregister(): void } {
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:]?[a-zA-Z0-9_:]*$/.test(prefix)) throw new TypeError(`Expected \`prefix\` to be a metric name prefix such as "myapp_", got ${JSON.stringify(prefix)}`);
  if (typeof registry?.registerMetric !== 'function') throw new TypeError('Expected `registry` to be a prom-client Registry (client.register or new client.Registry())');
  const source = options.source ?? defaultRegistry;
  const collectors: Collector[] = [];
  for (const key of Object.keys(COUNTER_HELP) as (keyof CounterValues)[]) {
    collectors.push(collector(`${prefix}streamq_${snake(key)}_total`, COUNTER_HELP[key], 'counter', () => source.series().map((s) => ({ value: s.snap[key], labels: { ...s.labels } }))));
  }
  collectors.push(collector(`${prefix}streamq_in_flight`, 'Messages held by consumers', 'gauge', () => source.series().map((s) => ({ value: s.snap.inFlight, labels: { ...s.labels } }))));
  const histogram = `${prefix}streamq_handler_duration_seconds`;
  collectors.push(collector(histogram, 'Handler run time', 'histogram', () => source.series().flatMap((s) => [
    ...[...HANDLER_BUCKETS.map(String), '+Inf'].map((le) => ({ value: s.snap.handlerSeconds.buckets[le] ?? 0, labels: { ...s.labels, le }, metricName: `${histogram}_bucket` })),
    { value: s.snap.handlerSeconds.sum, labels: { ...s.labels }, metricName: `${histogram}_sum` },
    { value: s.snap.handlerSeconds.count, labels: { ...s.labels }, metricName: `${histogram}_count` },
  ])));
  const registered: string[] = [];
  try {
    for (const c of collectors) {
      registry.registerMetric(c as never);
      registered.push(c.name);
    }
  } catch (error) {
    for (const name of registered) registry.removeSingleMetric(name);
    throw error;
  }
  return { names: registered, unregister: () => { for (const name of registered) registry.removeSingleMetric(name); } };
}
