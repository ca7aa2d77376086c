/**
 * From raw entries to handled messages: decode each entry (an undecodable one goes to the dead
 * letters with the reason), check its delivery count against `maxDeliveries`, then run the
 * handler (or batch handler) with bounded concurrency, or hand the message to `for await`.
 */
import { decodeEntry } from '../codec.js';
import type { RawEntry } from '../commands/replies.js';
import { UnrecoverableError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Capacity } from './capacity.js';
import type { MessageIterator } from './iterator.js';
import type { LeaseKeeper } from './lease.js';
import { Message, type MessageOwner } from './message.js';
import type { ResolvedConsumerOptions } from './options.js';
import { reasonOf, type Settler } from './settle.js';
import { withConsumerSpan } from '../tracing.js';

/** The parts dispatching works with. */
export interface DispatchParts<T> {
  options: ResolvedConsumerOptions<T>;
  capacity: Capacity;
  lease: LeaseKeeper;
  settler: Settler;
  metrics: Metrics;
  owner: MessageOwner;
  iterator: MessageIterator<T>;
  onDeleted(ids: string[]): void;
  onError(error: Error): void;
  onSettled(): void;
  /** Whether this consumer acknowledged `id` and awaits Redis's confirmation. */
  isAcking(id: string): boolean;
}

/** Turns entries into messages and runs them. */
export class Dispatcher<T> {
  readonly #p: DispatchParts<T>;
  readonly #queue: Message<T>[] = [];
  /** Messages handed to `for await` and not settled, by ID (their leases may expire). */
  readonly #handedOut = new Map<string, Message<T>>();
  #running = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  #drainWaiters: (() => void)[] = [];

  constructor(parts: DispatchParts<T>) {
    this.#p = parts;
  }

  /** Handlers (or batches) running now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Accepts entries for which `reserved` slots were taken; `deliveries` gives counters known from
   * XPENDING or a claim (re-read, reclaimed or retried entries: they have waited longest and go first).
   */
  accept(entries: RawEntry[], reserved: number, deliveries?: Map<string, number>): void {
    const first = deliveries !== undefined ? this.#queue.length : -1;
    const p = this.#p;
    let used = 0;
    const now = Date.now();
    const deleted: string[] = [];
    for (const entry of entries) {
      // Re-read from the PEL while already held here, or acknowledged here with the XACK not yet
      // confirmed (a read after a dropped connection returns those too): not handed out again.
      if (p.lease.holds(entry.id, now) || p.isAcking(entry.id)) continue;
      // Claimed but no longer pending by the time its counter was read: acknowledged meanwhile.
      if (deliveries !== undefined && entry.fields !== null && !deliveries.has(entry.id)) continue;
      if (entry.fields === null) {
        deleted.push(entry.id);
        continue;
      }
      used++;
      p.lease.hold(entry.id, now);
      const count = deliveries?.get(entry.id) ?? 1;
      if (count > p.options.maxDeliveries) {
        this.#drop(entry.id);
        p.settler.deadLetter(entry.id, count, `delivered ${count} times, more than maxDeliveries (${p.options.maxDeliveries}), without an outcome (consumers crashed or timed out on it)`);
        continue;
      }
      this.#enqueue(entry.id, entry.fields, count);
    }
    if (reserved > used) p.capacity.release(reserved - used);
    if (first > 0 && first < this.#queue.length) this.#queue.unshift(...this.#queue.splice(first));
    if (deleted.length > 0) p.onDeleted(deleted);
    this.#pump();
  }

  /** Frees the slot and lease of an entry that will not reach a handler. */
  #drop(id: string): void {
    this.#p.capacity.release();
    this.#p.lease.release(id);
  }

  #enqueue(id: string, flat: string[], deliveries: number): void {
    const p = this.#p;
    let decoded;
    try {
      decoded = decodeEntry(flat, p.options.raw);
    } catch (error) {
      this.#drop(id);
      p.settler.deadLetter(id, deliveries, `cannot decode: ${reasonOf(error)}`);
      return;
    }
    const message = new Message<T>({
      id, stream: p.options.stream, group: p.options.group, data: decoded.data as T, headers: decoded.headers,
      deliveries, foreign: decoded.foreign, flat, owner: p.owner,
    });
    if (p.options.handler === undefined && p.options.batchHandler === undefined) p.iterator.push(message);
    else this.#queue.push(message);
  }

  /** The iterator hands `message` to the caller: from now on its lease is the caller's to keep. */
  handOut(message: Message<T>): void {
    this.#p.metrics.counters.delivered++;
    this.#handedOut.set(message.id, message);
    this.#p.lease.toManual(message.id);
  }

  /**
   * Whether a settlement of `message` still holds its slot here. An iterator message whose lease
   * expired gave its slot back already (its settlement still acks or dead-letters it).
   */
  release(message: Message<unknown>): boolean {
    if (this.#p.options.handler !== undefined || this.#p.options.batchHandler !== undefined) return true;
    return this.#handedOut.get(message.id) === message && this.#handedOut.delete(message.id);
  }

  /** Iterator messages left unsettled for the visibility timeout: their slots are freed. */
  expire(ids: string[]): void {
    for (const id of ids) {
      if (this.#handedOut.delete(id)) this.#p.capacity.release();
    }
  }

  /** An expired iterator message renewed by `working()` while still this consumer's: held again. */
  revive(message: Message<T>): void {
    if (message.settled || this.#handedOut.has(message.id)) return;
    this.#handedOut.set(message.id, message);
    this.#p.capacity.take(1);
  }

  #pump(): void {
    const { handler, batchHandler, batchSize, batchWaitMs, concurrency } = this.#p.options;
    if (handler !== undefined) {
      while (this.#running < concurrency && this.#queue.length > 0) void this.#runOne(handler, this.#queue.shift() as Message<T>);
      return;
    }
    if (batchHandler === undefined) return;
    while (this.#running < concurrency && this.#queue.length >= batchSize) {
      void this.#runBatch(batchHandler, this.#queue.splice(0, batchSize));
    }
    if (this.#queue.length > 0 && this.#batchTimer === undefined && this.#running < concurrency) {
      this.#batchTimer = setTimeout(() => {
        this.#batchTimer = undefined;
        if (this.#queue.length > 0 && this.#running < concurrency) void this.#runBatch(batchHandler, this.#queue.splice(0, batchSize));
      }, batchWaitMs);
    }
  }

  async #runOne(handler: (message: Message<T>) => Promise<void> | void, message: Message<T>): Promise<void> {
    this.#running++;
    this.#p.metrics.counters.delivered++;
    const started = performance.now();
    try {
      if (message.headers.traceparent === undefined) await handler(message);
      else await withConsumerSpan(message.stream, message.group, message.id, message.headers, async () => handler(message));
      message.ack();
    } catch (error) {
      this.#fail(message, error);
    } finally {
      this.#p.metrics.observeHandler((performance.now() - started) / 1000);
      this.#finish();
    }
  }

  async #runBatch(handler: (messages: Message<T>[]) => Promise<void> | void, batch: Message<T>[]): Promise<void> {
    this.#running++;
    this.#p.metrics.counters.delivered += batch.length;
    const started = performance.now();
    try {
      await handler(batch);
      for (const message of batch) message.ack();
    } catch (error) {
      for (const message of batch) this.#fail(message, error);
    } finally {
      this.#p.metrics.observeHandler((performance.now() - started) / 1000);
      this.#finish();
    }
  }

  #fail(message: Message<T>, error: unknown): void {
    if (message.settled) return;
    this.#p.metrics.counters.failed++;
    if (error instanceof UnrecoverableError) message.term(`unrecoverable: ${reasonOf(error)}`);
    else message.nak(undefined, error);
  }

  #finish(): void {
    this.#running--;
    this.#p.onSettled();
    this.#pump();
    if (this.#running === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Messages waiting for a handler slot; removed (they stay pending in Redis). */
  takeQueued(): Message<T>[] {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    return this.#queue.splice(0);
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
