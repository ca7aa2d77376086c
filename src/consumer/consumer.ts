/**
 * Consumer: the lifecycle that wires the parts together — connections, group creation, the read
 * loop (reader.ts), the reclaim sweep (reclaimer.ts), batched acks (acks.ts), leases (lease.ts),
 * settlement (settle.ts), dispatch to handlers (dispatch.ts) — and closes them in order.
 */
import { EventEmitter } from 'node:events';
import { connect, RECONNECT_MAX_DELAY_MS, type Connection } from '../connection.js';
import { ClosedError, InvalidOptionError, WrongTypeError } from '../errors.js';
import { emitError, emitWarning } from '../emit.js';
import type { ConsumerEvents } from '../events.js';
import { streamKeys, type StreamKeys } from '../keys.js';
import { Metrics, type MetricsSnapshot } from '../metrics.js';
import { isRedisError } from '../redis-errors.js';
import type { RawEntry } from '../commands/replies.js';
import { parseXpending, xpendingArgs } from '../commands/xpending.js';
import { parseXinfoGroups } from '../commands/xinfo.js';
import { DelayedPromoter } from '../delayed.js';
import { deleteConsumer } from '../scripts/consumers.js';
import { AckBatcher } from './acks.js';
import { Capacity } from './capacity.js';
import { Dispatcher } from './dispatch.js';
import { MessageIterator } from './iterator.js';
import { LeaseKeeper } from './lease.js';
import type { Message, Settlement } from './message.js';
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './options.js';
import { Reader } from './reader.js';
import { Reclaimer } from './reclaimer.js';
import { Settler } from './settle.js';
import { buildGates, type Gates } from '../admission/build.js';
import { pauseGroup } from '../scripts/index.js';

/** Checks a delay in milliseconds. */
function expectDelay(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a finite number of milliseconds from 0 and up, got ${String(value)}`);
  }
  return value;
}

/** Longest a sweep waits for this consumer's own lease renewals after a reconnect. */
const RECONNECT_HOLD_OFF_LIMIT_MS = 30_000;

/** Options of {@link Consumer.close}. */
export interface CloseOptions {
  /** How long running handlers may take to finish. What did not finish stays pending for other consumers. @default 30000 */
  timeoutMs?: number;
}

/** The running parts of a started consumer. */
interface Parts<T> {
  connection: Connection;
  acks: AckBatcher;
  lease: LeaseKeeper;
  reclaimer: Reclaimer;
  settler: Settler;
  dispatcher: Dispatcher<T>;
  reader: Reader;
  promoter: DelayedPromoter;
  gates: Gates;
  blockingClientId: string | undefined;
}

/**
 * Consumes a stream in a consumer group with at-least-once delivery.
 *
 * Events: `error` (Error; Redis errors while running — the consumer keeps going), `warning`
 * (message, context), `deadLetter` ({ id, reason }).
 *
 * @example
 * ```ts
 * const consumer = new Consumer<Order>({ stream: 'orders', group: 'billing', handler: async (msg) => bill(msg.data) });
 * await consumer.start();
 * // …
 * await consumer.close();
 * ```
 */
export class Consumer<T = unknown> extends EventEmitter<ConsumerEvents> implements AsyncIterable<Message<T>> {
  /** The stream's key. */
  readonly stream: string;
  /** The consumer group. */
  readonly group: string;
  /** This consumer's name in the group. */
  readonly name: string;
  /** This consumer's metrics. */
  readonly metrics: Metrics;
  readonly #o: ResolvedConsumerOptions<T>;
  readonly #keys: StreamKeys;
  readonly #capacity: Capacity;
  readonly #iterator = new MessageIterator<T>((message) => this.#parts?.dispatcher.handOut(message));
  #parts: Parts<T> | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #lastReadEmpty = false;

  constructor(options: ConsumerOptions<T>) {
    super();
    this.#o = resolveConsumerOptions(options);
    this.stream = this.#o.stream;
    this.group = this.#o.group;
    this.name = this.#o.name;
    this.#keys = streamKeys(this.stream);
    const batch = this.#o.batchHandler !== undefined;
    const prefetch = options.prefetch ?? (batch ? this.#o.batchSize : this.#o.concurrency);
    this.#capacity = new Capacity((batch ? this.#o.concurrency * this.#o.batchSize : this.#o.concurrency) + prefetch);
    this.metrics = new Metrics({ stream: this.stream, group: this.group, consumer: this.name });
    this.metrics.inFlight = () => (this.#closed ? 0 : this.#capacity.used);
  }

  /** Connects, creates the group if missing, and starts reading. Resolves once reading has begun. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError(`Consumer "${this.name}" is closed`));
    this.#starting ??= this.#start().catch(async (error: unknown) => {
      this.#stopping = true;
      await this.#parts?.connection.close().catch(() => undefined);
      this.#parts = undefined;
      this.#iterator.fail(error as Error);
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const o = this.#o;
    const onError = (error: Error): void => emitError(this, o.logger, error);
    const onReconnect = (): void => { if (this.#parts) void this.#afterReconnect(this.#parts); };
    const connection = await connect(o.redis, { onError, onReconnect, connectTimeoutMs: o.connectTimeoutMs });
    try {
      await this.#ensureGroup(connection);
    } catch (error) {
      await connection.close();
      throw error;
    }
    const parts = this.#assemble(connection, onError);
    this.#parts = parts;
    o.registry.register(this.metrics);
    parts.lease.start();
    // The gates know their state (a paused group, say) before the first message is read.
    await parts.gates.admission.start(() => parts.dispatcher.recheck());
    await parts.reader.start();
    parts.reclaimer.start();
  }

  #assemble(connection: Connection, onError: (error: Error) => void): Parts<T> {
    const o = this.#o;
    const metrics = this.metrics;
    const stopping = (): boolean => this.#stopping;
    const acks = new AckBatcher(connection, this.#keys, o.group, o.deleteOnAck, (n, slots) => {
      metrics.counters.acked += n;
      this.#capacity.release(slots);
      this.#checkIdle();
    }, onError);
    const parts = { connection, acks, blockingClientId: undefined } as unknown as Parts<T>;
    parts.lease = new LeaseKeeper({
      connection, keys: this.#keys, group: o.group, consumer: o.name, visibilityMs: o.visibilityTimeoutMs,
      events: {
        onLost: (ids) => {
          metrics.counters.leasesLost += ids.length;
          for (const id of ids) parts.reclaimer.forget(id);
          emitWarning(this, o.logger, `${ids.length} in-flight entries were taken over by another consumer`, { ids: ids.slice(0, 10) });
        },
        onRenewed: (n) => { metrics.counters.leasesRenewed += n; },
        onExpired: (ids) => parts.dispatcher.expire(ids),
        onError,
      },
    });
    const lease = parts.lease;
    // XAUTOCLAIM removes the entries it reports deleted from the PEL itself (exactly once): count them (the ack is for older servers).
    const onDeleted = (ids: string[]): void => {
      metrics.counters.deletedWhilePending += ids.length;
      for (const id of ids) acks.add(id);
    };
    // Own pending entries re-read with nil fields may have been removed by a sweep meanwhile: count what XACK removes.
    const onDeletedRead = (ids: string[]): void => {
      connection.send<number>(o.stream, ['XACK', o.stream, o.group, ...ids])
        .then((removed) => { metrics.counters.deletedWhilePending += Number(removed); }, onError);
    };
    parts.reclaimer = new Reclaimer({
      keys: this.#keys, group: o.group, consumer: o.name, visibilityTimeoutMs: o.visibilityTimeoutMs, intervalMs: o.reclaimIntervalMs,
      capacity: this.#capacity, connection, stopping, onError, onDeleted,
      holds: (id) => lease.holds(id),
      deliverClaimed: async (batch, reserved) => {
        if (batch.origin === 'reclaimed') metrics.counters.reclaimed += batch.entries.length;
        parts.dispatcher.accept(batch.entries, reserved, batch.deliveries ?? await this.#deliveryCounts(connection, batch.entries));
      },
    });
    parts.gates = buildGates({ options: o as ResolvedConsumerOptions<unknown>, connection, keys: this.#keys, metrics, onError });
    parts.settler = new Settler({
      options: o as ResolvedConsumerOptions<unknown>, connection, keys: this.#keys, acks, lease, capacity: this.#capacity,
      reclaimer: parts.reclaimer, metrics, onError,
      onDeadLetter: (id, reason) => this.emit('deadLetter', { id, reason }),
    });
    parts.dispatcher = new Dispatcher<T>({
      options: o, capacity: this.#capacity, lease, settler: parts.settler, metrics, iterator: this.#iterator, onDeleted: onDeletedRead, onError,
      admission: parts.gates.admission,
      owner: {
        settle: (message: Message<unknown>, settlement: Settlement) => {
          if (settlement.kind === 'defer') {
            parts.dispatcher.defer(message as Message<T>, settlement.delayMs);
            return;
          }
          parts.settler.settle(message, settlement, parts.dispatcher.settled(message));
          this.#checkIdle();
        },
        renew: async (message: Message<unknown>) => {
          const lost = await lease.renewNow([message.id]);
          if (lost.length === 0) parts.dispatcher.revive(message as Message<T>);
        },
      },
      onSettled: () => this.#checkIdle(),
      isAcking: (id: string) => acks.isUnconfirmed(id),
    });
    parts.reader = new Reader({
      stream: o.stream, group: o.group, consumer: o.name, blockMs: o.blockMs, capacity: this.#capacity, stopping, onError,
      openBlocking: () => this.#openBlocking(connection, parts),
      deliver: (entries, reserved, fromHistory) => this.#deliverRead(connection, parts, entries, reserved, fromHistory),
      recreateGroup: (error) => this.#recreateGroup(connection, error),
      onEmptyRead: () => { this.#lastReadEmpty = true; this.#checkIdle(); },
    });
    parts.promoter = new DelayedPromoter(connection, this.#keys, onError, o.delayedPollMs);
    return parts;
  }

  /**
   * After this consumer's connection came back (a Redis restart, a cut): the outage may have let
   * leases run down, so renew them all at once, and take nothing over until every live consumer
   * has had time to do the same (they reconnect within RECONNECT_MAX_DELAY_MS of Redis, then renew).
   */
  async #afterReconnect(parts: Parts<T>): Promise<void> {
    parts.reclaimer.holdOff(RECONNECT_HOLD_OFF_LIMIT_MS);
    const deadline = Date.now() + RECONNECT_HOLD_OFF_LIMIT_MS;
    while (!this.#stopping && Date.now() < deadline) {
      if (await parts.lease.renewAll()) break;
      await new Promise((resolve) => setTimeout(resolve, 100).unref());
    }
    parts.reclaimer.holdOff(Math.max(parts.lease.intervalMs, RECONNECT_MAX_DELAY_MS + 500));
  }

  async #openBlocking(connection: Connection, parts: Parts<T>): Promise<Connection> {
    const blocking = await connection.duplicate();
    if (!blocking.isCluster) parts.blockingClientId = String(await blocking.send(undefined, ['CLIENT', 'ID']));
    return blocking;
  }

  async #deliverRead(connection: Connection, parts: Parts<T>, entries: RawEntry[], reserved: number, fromHistory: boolean): Promise<void> {
    if (entries.length > 0) this.#lastReadEmpty = false;
    if (!fromHistory) {
      parts.dispatcher.accept(entries, reserved);
      return;
    }
    // Own pending entries: their delivery counters decide whether they are out of deliveries.
    try {
      parts.dispatcher.accept(entries, reserved, await this.#deliveryCounts(connection, entries));
    } catch (error) {
      this.#capacity.release(reserved);
      throw error;
    }
  }

  /** Redis's delivery counters of entries this consumer now owns (one XPENDING each, pipelined). */
  async #deliveryCounts(connection: Connection, entries: RawEntry[]): Promise<Map<string, number>> {
    const o = this.#o;
    const rows = await Promise.all(entries.filter((e) => e.fields !== null).map((e) =>
      connection.send(o.stream, xpendingArgs(o.stream, o.group, e.id, e.id, 1)).then(parseXpending)));
    const counts = new Map<string, number>();
    for (const row of rows) if (row[0]) counts.set(row[0].id, row[0].deliveries);
    return counts;
  }

  async #ensureGroup(connection: Connection): Promise<boolean> {
    const o = this.#o;
    try {
      await connection.send(o.stream, ['XGROUP', 'CREATE', o.stream, o.group, o.startAt, 'MKSTREAM']);
      return true;
    } catch (error) {
      if (isRedisError(error, 'BUSYGROUP')) return false;
      // At maxmemory Redis refuses XGROUP CREATE before looking: an existing group still lets us consume (and drain memory).
      if (isRedisError(error, 'OOM') && (await this.#groupExists(connection))) return false;
      if (error instanceof WrongTypeError) {
        const type = await connection.send<string>(o.stream, ['TYPE', o.stream]).catch(() => 'another type');
        throw new WrongTypeError(`Key "${o.stream}" holds a ${type}, not a stream: cannot consume it`, { cause: error });
      }
      throw error;
    }
  }

  async #groupExists(connection: Connection): Promise<boolean> {
    const groups = await connection.send(this.stream, ['XINFO', 'GROUPS', this.stream]).then(parseXinfoGroups, () => []);
    return groups.some((group) => group.name === this.group);
  }

  async #recreateGroup(connection: Connection, cause: Error): Promise<void> {
    const created = await this.#ensureGroup(connection);
    if (created) {
      emitWarning(this, this.#o.logger, `Consumer group "${this.group}" on "${this.stream}" was missing (Redis restarted without its data, or the group or stream was deleted): recreated at ${this.#o.startAt}`, { cause: cause.message });
    }
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#lastReadEmpty || this.#capacity.used > 0 || (this.#parts?.acks.pending ?? 0) > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when the consumer holds nothing, every ack was confirmed, and its last read found nothing new. */
  onIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  /**
   * Pauses this consumer alone: it starts no new handler for `ms` (or until {@link Consumer.resume});
   * running handlers finish, messages already read wait with their leases. Other consumers of the
   * group go on: to pause the whole group, use {@link Consumer.rateLimited} or `Admin.pause`.
   */
  pause(ms?: number): void {
    if (ms !== undefined) expectDelay('ms', ms);
    this.#pauseGate().pauseLocal(ms);
  }

  /** Ends this consumer's own pause (a group pause set in Redis stays: see `Admin.resume`). */
  resume(): void {
    this.#pauseGate().resumeLocal();
  }

  /**
   * Pauses the whole group, in every process, for `ms` — when a downstream service answered "too
   * many requests", as BullMQ's `worker.rateLimit(ms)`. Measured on Redis's clock; a longer pause
   * already in force is kept. Resolves once the pause is recorded in Redis.
   */
  async rateLimited(ms: number): Promise<void> {
    expectDelay('ms', ms);
    const parts = this.#parts;
    if (parts === undefined) throw new ClosedError(`Consumer "${this.name}" is not started`);
    this.#pauseGate().pauseLocal(ms);
    await pauseGroup(parts.connection, this.#keys, this.group, ms);
  }

  #pauseGate() {
    const gate = this.#parts?.gates.pause;
    if (gate === undefined) throw new ClosedError(`Consumer "${this.name}" is not started (or is closed): start() it first`);
    return gate;
  }

  /** A snapshot of this consumer's metrics. */
  metricsSnapshot(): MetricsSnapshot {
    return this.metrics.snapshot();
  }

  /** Iterates over messages (when no handler is given); settle each with `ack()`, `nak()` or `term()`. Starts the consumer if needed. */
  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    if (this.#o.handler !== undefined || this.#o.batchHandler !== undefined) {
      throw new InvalidOptionError(`Consumer "${this.name}" has a ${this.#o.handler !== undefined ? '`handler`' : '`batchHandler`'}: its messages go there, so it cannot also be iterated with \`for await\` (create it without a handler to iterate)`);
    }
    // A start failure rejects the iterator's next() (and start() itself): nothing to report here.
    void this.start().catch(() => undefined);
    return { next: () => this.#iterator.next() };
  }

  /**
   * Graceful close: stop reading, let running handlers finish (up to `timeoutMs`), flush acks,
   * hand what did not finish back to the group (made claimable at once), close connections.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? 30_000);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#stopping = true;
    await this.#starting?.catch(() => undefined);
    const parts = this.#parts;
    this.#capacity.wake();
    if (parts === undefined) return;
    await this.#unblockReader(parts);
    parts.promoter.stop();
    await parts.reclaimer.stop();
    await parts.gates.admission.close();
    const unstarted = [...parts.dispatcher.takeQueued(), ...this.#iterator.end()];
    await parts.dispatcher.drain(Math.max(0, deadline - Date.now()));
    parts.settler.close();
    parts.lease.stop();
    await parts.acks.flush(Math.max(1_000, deadline - Date.now()));
    parts.acks.stop();
    await this.#handBack(parts, [...new Set([...parts.lease.heldIds(), ...unstarted.map((m) => m.id)])]);
    // A consumer that holds nothing leaves the group, so dead names do not pile up in XINFO CONSUMERS.
    if (!this.#o.keepConsumerOnClose) {
      await deleteConsumer(parts.connection, this.#keys, { group: this.group, consumer: this.name, force: false, minIdleMs: 0 })
        .catch((error: Error) => emitError(this, this.#o.logger, error));
    }
    this.#closed = true;
    this.#o.registry.unregister(this.metrics);
    await parts.reader.blocking?.close().catch(() => undefined);
    await parts.connection.close().catch(() => undefined);
  }

  async #unblockReader(parts: Parts<T>): Promise<void> {
    if (parts.blockingClientId !== undefined) {
      await parts.connection.send(undefined, ['CLIENT', 'UNBLOCK', parts.blockingClientId]).catch(() => undefined);
    } else {
      parts.reader.blocking?.destroy();
    }
    await parts.reader.stopped();
  }

  /** Makes entries this consumer still holds claimable by others at once (idle = visibility timeout). */
  async #handBack(parts: Parts<T>, ids: string[]): Promise<void> {
    const o = this.#o;
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500);
      await parts.connection.send(o.stream, ['XCLAIM', o.stream, o.group, o.name, '0', ...chunk, 'IDLE', String(o.visibilityTimeoutMs), 'JUSTID'])
        .catch((error: Error) => emitError(this, o.logger, error));
    }
  }
}
