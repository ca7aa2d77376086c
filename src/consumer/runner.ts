/**
 * Starting messages: runs the handler (or batch handler) with bounded concurrency, or hands
 * messages to `for await`, taking them from the admission queue in order. A handler that resolves
 * acknowledges its message; one that throws retries it (or dead-letters it: UnrecoverableError).
 */
import { UnrecoverableError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { withConsumerSpan } from '../tracing.js';
import type { AdmissionQueue } from './admission-queue.js';
import type { MessageIterator } from './iterator.js';
import type { Message } from './message.js';
import type { ResolvedConsumerOptions } from './options.js';
import { reasonOf } from './settle.js';

/** Runs handlers for one consumer. */
export class Runner<T> {
  readonly #options: ResolvedConsumerOptions<T>;
  readonly #metrics: Metrics;
  readonly #iterator: MessageIterator<T>;
  readonly #onSettled: () => void;
  #queue!: AdmissionQueue<T>;
  #running = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  #drainWaiters: (() => void)[] = [];

  constructor(init: { options: ResolvedConsumerOptions<T>; metrics: Metrics; iterator: MessageIterator<T>; onSettled: () => void }) {
    this.#options = init.options;
    this.#metrics = init.metrics;
    this.#iterator = init.iterator;
    this.#onSettled = init.onSettled;
  }

  /** The queue to take messages from (set once, after both exist). */
  set queue(queue: AdmissionQueue<T>) {
    this.#queue = queue;
  }

  /** Handlers (or batches) running now. */
  get running(): number {
    return this.#running;
  }

  /** How many more messages could start now. */
  room(): number {
    const { handler, batchHandler, batchSize, concurrency } = this.#options;
    const free = Math.max(0, concurrency - this.#running);
    if (handler !== undefined) return free;
    if (batchHandler !== undefined) return free * batchSize;
    return Infinity;
  }

  /** Starts what may start. */
  pump(): void {
    const { handler, batchHandler, batchSize, batchWaitMs, concurrency } = this.#options;
    if (handler !== undefined) {
      for (const message of this.#queue.take(concurrency - this.#running)) void this.#runOne(handler, message);
      return;
    }
    if (batchHandler === undefined) {
      for (const message of this.#queue.take(Infinity)) this.#iterator.push(message);
      return;
    }
    while (this.#running < concurrency && this.#queue.size >= batchSize) {
      const batch = this.#queue.take(batchSize);
      if (batch.length === 0) break;
      void this.#runBatch(batchHandler, batch);
    }
    if (this.#queue.size > 0 && this.#batchTimer === undefined && this.#running < concurrency) {
      this.#batchTimer = setTimeout(() => {
        this.#batchTimer = undefined;
        if (this.#running >= concurrency) return;
        const batch = this.#queue.take(batchSize);
        if (batch.length > 0) void this.#runBatch(batchHandler, batch);
      }, batchWaitMs);
    }
  }

  async #runOne(handler: (message: Message<T>) => Promise<void> | void, message: Message<T>): Promise<void> {
    this.#running++;
    this.#metrics.counters.delivered++;
    const started = performance.now();
    try {
      if (message.headers.traceparent === undefined) await handler(message);
      else await withConsumerSpan(message.stream, message.group, message.id, message.headers, async () => handler(message));
      message.ack();
    } catch (error) {
      this.#fail(message, error);
    } finally {
      this.#metrics.observeHandler((performance.now() - started) / 1000);
      this.#finish();
    }
  }

  async #runBatch(handler: (messages: Message<T>[]) => Promise<void> | void, batch: Message<T>[]): Promise<void> {
    this.#running++;
    this.#metrics.counters.delivered += batch.length;
    const started = performance.now();
    try {
      await handler(batch);
      for (const message of batch) message.ack();
    } catch (error) {
      for (const message of batch) this.#fail(message, error);
    } finally {
      this.#metrics.observeHandler((performance.now() - started) / 1000);
      this.#finish();
    }
  }

  #fail(message: Message<T>, error: unknown): void {
    if (message.settled) return;
    this.#metrics.counters.failed++;
    if (error instanceof UnrecoverableError) message.term(`unrecoverable: ${reasonOf(error)}`);
    else message.nak(undefined, error);
  }

  #finish(): void {
    this.#running--;
    this.#onSettled();
    this.pump();
    if (this.#running === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Stops the batch timer (closing). */
  stop(): void {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
  }

  /** Resolves when no handler runs, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#running === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#drainWaiters.push(resolve)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]);
    clearTimeout(timer);
  }
}
