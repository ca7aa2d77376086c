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
import { Message, reopen, type MessageOwner } from './message.js';
import type { ResolvedConsumerOptions } from './options.js';
import { reasonOf, type Settler } from './settle.js';
import { withConsumerSpan } from '../tracing.js';
import type { Admission } from '../admission/admission.js';

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
  /** The admission gates, when any are configured. */
  admission?: Admission;
}

/** Turns entries into messages and runs them. */
export class Dispatcher<T> {
  readonly #p: DispatchParts<T>;
  /** Messages accepted and not yet admitted (with gates; without, messages go straight to #ready). */
  readonly #queue: Message<T>[] = [];
  /** Messages held back by a gate → when to ask again. */
  readonly #notBefore = new Map<Message<T>, number>();
  /** Messages admitted, waiting for a handler slot. */
  #ready: Message<T>[] = [];
  #admitting = false;
  #repump = false;
  #wakeTimer: NodeJS.Timeout | undefined;
  #wakeAt = Infinity;
  /** Messages whose handler asked to run again later → their timers. */
  readonly #deferred = new Map<Message<T>, NodeJS.Timeout>();
  /** Messages handed to `for await` and not settled, by ID (their leases may expire). */
  readonly #handedOut = new Map<string, Message<T>>();
  #running = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  #drainWaiters: (() => void)[] = [];

  constructor(parts: DispatchParts<T>) {
    this.#p = parts;
    if (parts.admission === undefined) this.#ready = this.#queue;
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
    const queue = this.#p.admission === undefined && this.#isIterator() ? undefined : this.#queue;
    const first = deliveries !== undefined && queue !== undefined ? queue.length : -1;
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
    if (queue !== undefined && first > 0 && first < queue.length) queue.unshift(...queue.splice(first));
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
    if (p.admission === undefined && this.#isIterator()) p.iterator.push(message);
    else this.#queue.push(message);
  }

  #isIterator(): boolean {
    return this.#p.options.handler === undefined && this.#p.options.batchHandler === undefined;
  }

  /** The iterator hands `message` to the caller: from now on its lease is the caller's to keep. */
  handOut(message: Message<T>): void {
    this.#p.metrics.counters.delivered++;
    this.#handedOut.set(message.id, message);
    this.#p.lease.toManual(message.id);
  }

  /**
   * `message` is settled: its gates are released. Returns whether it still holds its slot here
   * (an iterator message whose lease expired gave its slot back already; its settlement still
   * acks or dead-letters it).
   */
  settled(message: Message<unknown>): boolean {
    this.#p.admission?.release(message);
    if (!this.#isIterator()) return true;
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
    if (this.#p.admission !== undefined) this.#admitSome();
    this.#runReady();
  }

  /** Starts admitted messages, as many as handler slots allow. */
  #runReady(): void {
    const { handler, batchHandler, batchSize, batchWaitMs, concurrency } = this.#p.options;
    if (handler !== undefined) {
      while (this.#running < concurrency && this.#ready.length > 0) void this.#runOne(handler, this.#ready.shift() as Message<T>);
      return;
    }
    if (batchHandler === undefined) {
      for (const message of this.#ready.splice(0)) this.#p.iterator.push(message);
      return;
    }
    while (this.#running < concurrency && this.#ready.length >= batchSize) {
      void this.#runBatch(batchHandler, this.#ready.splice(0, batchSize));
    }
    if (this.#ready.length > 0 && this.#batchTimer === undefined && this.#running < concurrency) {
      this.#batchTimer = setTimeout(() => {
        this.#batchTimer = undefined;
        if (this.#ready.length > 0 && this.#running < concurrency) void this.#runBatch(batchHandler, this.#ready.splice(0, batchSize));
      }, batchWaitMs);
    }
  }

  /** How many more messages could start now (admitting more would only make them wait for a slot). */
  #room(): number {
    const { handler, batchHandler, batchSize, concurrency } = this.#p.options;
    const free = Math.max(0, concurrency - this.#running);
    if (handler !== undefined) return free - this.#ready.length;
    if (batchHandler !== undefined) return free * batchSize - this.#ready.length;
    return Infinity;
  }

  /** Asks the gates about the queued messages that may be asked now, one round at a time. */
  #admitSome(): void {
    if (this.#admitting) {
      this.#repump = true;
      return;
    }
    const now = Date.now();
    if ((this.#p.admission as Admission).isOpen(now)) {
      // Every gate is open (the usual case): no asking, no per-message work.
      this.#notBefore.clear();
      for (const message of this.#queue.splice(0)) this.#ready.push(message);
      return;
    }
    const room = this.#room();
    const asked: Message<T>[] = [];
    let wakeAt = Infinity;
    for (const message of this.#queue) {
      if (asked.length >= room) break;
      const notBefore = this.#notBefore.get(message);
      if (notBefore !== undefined && notBefore > now) wakeAt = Math.min(wakeAt, notBefore);
      else asked.push(message);
    }
    this.#wakeAtTime(wakeAt);
    if (asked.length === 0) return;
    this.#admitting = true;
    (this.#p.admission as Admission).decide(asked, now).then((decisions) => {
      const admitted = new Set<Message<T>>();
      decisions.forEach((decision, i) => {
        const message = asked[i] as Message<T>;
        if (decision === true) {
          admitted.add(message);
          this.#notBefore.delete(message);
        } else {
          this.#notBefore.set(message, decision);
        }
      });
      this.#moveToReady(admitted);
    }, (error: Error) => {
      this.#p.onError(error);
      for (const message of asked) this.#notBefore.set(message, Date.now() + 1_000);
    }).finally(() => {
      this.#admitting = false;
      const again = this.#repump;
      this.#repump = false;
      if (again) this.#admitSome();
      else this.#wakeAtTime(Math.min(...[...this.#notBefore.values()], Infinity));
      this.#runReady();
    });
  }

  #moveToReady(admitted: Set<Message<T>>): void {
    if (admitted.size === 0) return;
    let kept = 0;
    for (const message of this.#queue) {
      if (admitted.has(message)) this.#ready.push(message);
      else this.#queue[kept++] = message;
    }
    this.#queue.length = kept;
  }

  /** Makes sure the gates are asked again at `at` (or earlier). */
  #wakeAtTime(at: number): void {
    if (at === Infinity || at >= this.#wakeAt) return;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = Infinity;
      this.#pump();
    }, Math.max(0, at - Date.now()));
    this.#wakeTimer.unref();
  }

  /** A gate's state changed (resumed, a slot freed): ask about held-back messages at once. */
  recheck(): void {
    this.#notBefore.clear();
    this.#pump();
  }

  /** A message whose handler asked to run again later (`msg.retryAfter(ms)`): queued, held back until then, no delivery counted. */
  defer(message: Message<T>, delayMs: number): void {
    this.#p.admission?.release(message as Message<unknown>);
    // Waiting here, the message is this consumer's again: its lease is renewed automatically.
    if (this.#handedOut.delete(message.id)) this.#p.lease.hold(message.id, Date.now());
    const timer = setTimeout(() => {
      this.#deferred.delete(message);
      message[reopen]();
      this.#queue.unshift(message);
      this.#pump();
    }, delayMs);
    this.#deferred.set(message, timer);
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

  /** Messages waiting for admission or a handler slot; removed (they stay pending in Redis). */
  takeQueued(): Message<T>[] {
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#batchTimer = undefined;
    this.#wakeTimer = undefined;
    this.#notBefore.clear();
    for (const timer of this.#deferred.values()) clearTimeout(timer);
    const deferred = [...this.#deferred.keys()];
    this.#deferred.clear();
    const ready = this.#ready === this.#queue ? [] : this.#ready.splice(0);
    return [...ready, ...this.#queue.splice(0), ...deferred];
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
