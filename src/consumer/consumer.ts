/**
 * Consumer: the lifecycle that wires the parts together — the connection, the group on every
 * lane (one per priority level; lane.ts: acks, leases, due retries and sweeps, settlement), the
 * read loop over all lanes (reader.ts), admission gates and the queue of held messages
 * (admission-queue.ts), dispatch (dispatch.ts) and handlers (runner.ts) — and closes them in order.
 */
import { EventEmitter } from 'node:events';
import { connect, RECONNECT_MAX_DELAY_MS, type Connection } from '../connection.js';
import type { RawEntry } from '../commands/replies.js';
import { ClosedError, InvalidOptionError } from '../errors.js';
import { emitError, emitWarning } from '../emit.js';
import type { ConsumerEvents } from '../events.js';
import { streamKeys, type StreamKeys } from '../keys.js';
import { Metrics, type MetricsSnapshot } from '../metrics.js';
import { levelsKey, ReadPlanner, resolveLevels, type Levels } from '../priorities.js';
import { buildGates, type Gates } from '../admission/build.js';
import { pauseGroup } from '../scripts/index.js';
import { AdmissionQueue } from './admission-queue.js';
import { Capacity } from './capacity.js';
import { Dispatcher } from './dispatch.js';
import { ensureGroup } from './group.js';
import { MessageIterator } from './iterator.js';
import { Lane } from './lane.js';
import type { Message, MessageOwner, Settlement } from './message.js';
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './options.js';
import { Reader } from './reader.js';
import { Runner } from './runner.js';

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
  lanes: Lane<T>[];
  gates: Gates;
  queue: AdmissionQueue<T>;
  runner: Runner<T>;
  dispatcher: Dispatcher<T>;
  reader: Reader;
  blockingClientId: string | undefined;
}

/** Checks a delay in milliseconds. */
function expectDelay(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a finite number of milliseconds from 0 and up, got ${String(value)}`);
  }
  return value;
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
  readonly #levels: Levels;
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
    this.#levels = resolveLevels(this.stream, this.#o.priorities, this.#o.priorityWeights);
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
      for (const stream of this.#levels.streams) await ensureGroup(connection, stream, o.group, o.startAt);
      if (this.#levels.names.length > 1) await connection.send(this.stream, ['SET', levelsKey(this.stream), JSON.stringify(this.#levels.names)]);
    } catch (error) {
      await connection.close();
      throw error;
    }
    const parts = this.#assemble(connection, onError);
    this.#parts = parts;
    o.registry.register(this.metrics);
    // The gates know their state (a paused group, say) before the first message is read.
    await parts.gates.admission.start(() => parts.queue.recheck());
    for (const lane of parts.lanes) lane.start();
    await parts.reader.start();
  }

  #assemble(connection: Connection, onError: (error: Error) => void): Parts<T> {
    const o = this.#o;
    const metrics = this.metrics;
    const stopping = (): boolean => this.#stopping;
    const parts = { connection, blockingClientId: undefined } as Parts<T>;
    parts.lanes = this.#levels.streams.map((stream, rank) => new Lane<T>({
      options: o, level: this.#levels.names[rank] as string, rank, stream, baseKeys: this.#keys, connection, capacity: this.#capacity, metrics,
      dispatcher: () => parts.dispatcher, stopping, onError,
      onWarning: (message, context) => emitWarning(this, o.logger, message, context),
      onDeadLetter: (id, reason) => this.emit('deadLetter', { id, reason }),
      onAcked: () => this.#checkIdle(),
    }));
    parts.gates = buildGates({ options: o as ResolvedConsumerOptions<unknown>, connection, keys: this.#keys, metrics, onError });
    parts.runner = new Runner<T>({ options: o, metrics, iterator: this.#iterator, onSettled: () => this.#checkIdle() });
    parts.queue = new AdmissionQueue<T>({
      admission: parts.gates.admission, room: () => parts.runner.room(), onReady: () => parts.runner.pump(), onError,
    });
    parts.runner.queue = parts.queue;
    parts.dispatcher = new Dispatcher<T>({
      options: o, capacity: this.#capacity, metrics, owner: this.#owner(parts), queue: parts.queue, runner: parts.runner, priorityMode: o.priorityMode,
    });
    const planner = new ReadPlanner(this.#levels, o.priorityMode);
    parts.reader = new Reader({
      streams: this.#levels.streams, group: o.group, consumer: o.name, blockMs: o.blockMs, capacity: this.#capacity, stopping, onError,
      plan: (room) => planner.plan(room),
      openBlocking: () => this.#openBlocking(connection, parts),
      deliver: (index, entries, reserved, fromHistory) => this.#deliverRead(parts.lanes[index] as Lane<T>, parts, entries, reserved, fromHistory),
      recreateGroup: (error) => this.#recreateGroup(connection, error),
      onEmptyRead: () => { this.#lastReadEmpty = true; this.#checkIdle(); },
    });
    return parts;
  }

  /** What messages call back into: settlement on their own lane, and lease renewal. */
  #owner(parts: Parts<T>): MessageOwner {
    return {
      settle: (message: Message<unknown>, settlement: Settlement) => {
        if (settlement.kind === 'defer') {
          parts.dispatcher.defer(message as Message<T>, settlement.delayMs);
          return;
        }
        const lane = parts.dispatcher.laneOf(message);
        const holdsSlot = parts.dispatcher.settled(message);
        parts.gates.admission.release(message);
        lane?.settler.settle(message, settlement, holdsSlot);
        this.#checkIdle();
      },
      renew: async (message: Message<unknown>) => {
        const lane = parts.dispatcher.laneOf(message);
        if (lane === undefined) return;
        const lost = await lane.lease.renewNow([message.id]);
        if (lost.length === 0) parts.dispatcher.revive(message as Message<T>);
      },
    };
  }

  /**
   * After this consumer's connection came back (a Redis restart, a cut): the outage may have let
   * leases run down, so renew them all at once, and take nothing over until every live consumer
   * has had time to do the same (they reconnect within RECONNECT_MAX_DELAY_MS of Redis, then renew).
   */
  async #afterReconnect(parts: Parts<T>): Promise<void> {
    for (const lane of parts.lanes) lane.reclaimer.holdOff(RECONNECT_HOLD_OFF_LIMIT_MS);
    const deadline = Date.now() + RECONNECT_HOLD_OFF_LIMIT_MS;
    for (const lane of parts.lanes) {
      while (!this.#stopping && Date.now() < deadline) {
        if (await lane.renewAll()) break;
        await new Promise((resolve) => setTimeout(resolve, 100).unref());
      }
    }
    for (const lane of parts.lanes) lane.reclaimer.holdOff(Math.max(lane.lease.intervalMs, RECONNECT_MAX_DELAY_MS + 500));
  }

  async #openBlocking(connection: Connection, parts: Parts<T>): Promise<Connection> {
    const blocking = await connection.duplicate();
    if (!blocking.isCluster) parts.blockingClientId = String(await blocking.send(undefined, ['CLIENT', 'ID']));
    return blocking;
  }

  async #deliverRead(lane: Lane<T>, parts: Parts<T>, entries: RawEntry[], reserved: number, fromHistory: boolean): Promise<void> {
    if (entries.length > 0) this.#lastReadEmpty = false;
    if (!fromHistory) {
      parts.dispatcher.accept(lane, entries, reserved);
      return;
    }
    // Own pending entries: their delivery counters decide whether they are out of deliveries.
    try {
      parts.dispatcher.accept(lane, entries, reserved, await lane.deliveryCounts(entries));
    } catch (error) {
      this.#capacity.release(reserved);
      throw error;
    }
  }

  async #recreateGroup(connection: Connection, cause: Error): Promise<void> {
    for (const stream of this.#levels.streams) {
      if (await ensureGroup(connection, stream, this.group, this.#o.startAt)) {
        emitWarning(this, this.#o.logger, `Consumer group "${this.group}" on "${stream}" was missing (Redis restarted without its data, or the group or stream was deleted): recreated at ${this.#o.startAt}`, { cause: cause.message });
      }
    }
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#lastReadEmpty || this.#capacity.used > 0) return;
    if (this.#parts?.lanes.some((lane) => lane.acks.pending > 0)) return;
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
    const gate = this.#pauseGate();
    gate.pauseLocal(ms);
    await pauseGroup((this.#parts as Parts<T>).connection, this.#keys, this.group, ms);
  }

  #pauseGate() {
    const gate = this.#parts?.gates.pause;
    if (gate === undefined || this.#stopping) throw new ClosedError(`Consumer "${this.name}" is not started (or is closed): start() it first`);
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
    for (const lane of parts.lanes) await lane.stopClaiming();
    await parts.gates.admission.close();
    parts.runner.stop();
    const unstarted = [...parts.queue.takeAll(), ...this.#iterator.end()];
    // Admitted but never started: their gate shares (a key slot) go back now, not at their expiry.
    for (const message of unstarted) parts.gates.admission.release(message as Message<unknown>);
    await parts.runner.drain(Math.max(0, deadline - Date.now()));
    for (const lane of parts.lanes) await lane.stopSettling(Math.max(1_000, deadline - Date.now()));
    for (const lane of parts.lanes) {
      await lane.handBack(unstarted.filter((m) => parts.dispatcher.laneOf(m) === lane).map((m) => m.id));
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
}

