/**
 * Test messages sent from the dashboard, through the public Producer (so they are encoded exactly
 * as an application's). One producer per stream, created on first use from the dashboard's
 * `redis` option, at most {@link MAX_PRODUCERS} kept (the least recently used is closed).
 */
import { MetricsRegistry, Producer, type Headers, type RedisOption } from '../index.js';

const MAX_PRODUCERS = 20;

/** Sends test messages; closed with the dashboard. */
export class Publisher {
  readonly #redis: RedisOption;
  readonly #producers = new Map<string, Producer<unknown>>();
  /** Its own registry: test messages stay out of the application's metrics. */
  readonly #registry = new MetricsRegistry();

  constructor(redis: RedisOption) {
    this.#redis = redis;
  }

  /** Sends one message; resolves with its entry ID (or `delayed:…` ID). */
  async send(stream: string, data: unknown, options: { headers?: Headers; delayMs?: number }): Promise<string> {
    let producer = this.#producers.get(stream);
    if (producer === undefined) {
      producer = new Producer<unknown>({ stream, redis: this.#redis, registry: this.#registry });
      if (this.#producers.size >= MAX_PRODUCERS) {
        const [oldest, evicted] = this.#producers.entries().next().value as [string, Producer<unknown>];
        this.#producers.delete(oldest);
        void evicted.close().catch(() => undefined);
      }
    } else this.#producers.delete(stream);
    this.#producers.set(stream, producer); // most recently used last
    return producer.send(data, { ...(options.headers ? { headers: options.headers } : {}), ...(options.delayMs ? { delayMs: options.delayMs } : {}) });
  }

  /** Closes every producer. */
  async close(): Promise<void> {
    const all = [...this.#producers.values()];
    this.#producers.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }
}
