/**
 * PartitionedConsumer: one streamq {@link Consumer} per partition of a partitioned stream, all
 * sharing one node-redis client (each also opens its own blocking connection).
 *
 * - Default mode: every member consumes every partition; the group shares the work as usual.
 * - Ordered mode (`ordered: true`): each partition is consumed by one member at a time (a lease,
 *   see ownership.ts) with concurrency 1 and no prefetch, and a failed message is retried in
 *   place (the partition waits) up to `maxDeliveries` attempts, then dead-lettered — so messages
 *   of one key are handled in the order they were sent. Leases move when members join, leave
 *   or crash; a new owner first takes over the entries still pending in the partition and
 *   handles them, oldest first, before reading new ones.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectShared, type SharedRedis } from '../connection.js';
import { Consumer, type CloseOptions } from '../consumer/consumer.js';
import type { Message } from '../consumer/message.js';
import {
  CONSUMER_OPTION_KEYS, defaultConsumerName, resolveConsumerOptions, type BatchHandlerOption, type ConsumerBaseOptions, type ConsumerOptions,
  type HandlerOption, type MessageHandler,
} from '../consumer/options.js';
import type { DeadLetterEvent } from '../events.js';
import { exponentialBackoff } from '../backoff.js';
import { ClosedError, InvalidOptionError, UnrecoverableError } from '../errors.js';
import { emitError, emitWarning } from '../emit.js';
import { silentLogger, type Logger } from '../logger.js';
import { isRedisError } from '../redis-errors.js';
import { expectFunction, expectName, expectOptions, optionalBoolean, optionalInteger, optionKeys } from '../validate.js';
import { partitionStreams, validatePartitioning } from './names.js';
import { PartitionOwnership } from './ownership.js';

/** The partitioning options of {@link PartitionedConsumer}. */
export interface PartitioningOptions {
  /** The partitioned stream's name; partitions are `${stream}:0 … ${stream}:${partitions - 1}`. */
  stream: string;
  /** Number of partitions; the same as the producers'. */
  partitions: number;
  /**
   * One consumer at a time per partition (leases), concurrency 1, failures retried in place:
   * order per key holds. Needs `handler`. @default false
   */
  ordered?: boolean;
  /** Ordered mode: lease time to live; a crashed member's partitions move after this long. Renewed every third of it. @default 10000 */
  leaseTtlMs?: number;
  /** Ordered mode: how long a member giving up a partition lets its running handler finish. @default 30000 */
  handoffTimeoutMs?: number;
}

/** Options of {@link PartitionedConsumer}: those of {@link Consumer}, plus partitioning. */
export type PartitionedConsumerOptions<T> = Omit<ConsumerBaseOptions<T>, 'stream'> & PartitioningOptions & (HandlerOption<T> | BatchHandlerOption<T>);

/** The option names of {@link PartitionedConsumer}: the consumer's and the partitioning ones. */
const PARTITIONED_CONSUMER_OPTION_KEYS = optionKeys<PartitionedConsumerOptions<unknown>>({
  ...CONSUMER_OPTION_KEYS, partitions: true, ordered: true, leaseTtlMs: true, handoffTimeoutMs: true,
});

/** Events of a {@link PartitionedConsumer}: those of its consumers (dead letters name their partition's stream), and ownership changes. */
export interface PartitionedConsumerEvents {
  /** Redis trouble while running. */
  error: [error: Error];
  /** Something worth knowing that is not an error, with context (including the partition's `stream`). */
  warning: [message: string, context?: Record<string, unknown>];
  /** A message was moved to the dead letters of its partition's `stream`. */
  deadLetter: [info: DeadLetterEvent & { stream: string }];
  /** Ordered mode: this member acquired, released or lost a partition. */
  partition: [event: PartitionEvent];
}

/** Consumer options shared by every partition (`stream` and `name` are set per partition). */
type SharedConsumerOptions<T> = Omit<ConsumerBaseOptions<T>, 'stream' | 'name'> & (HandlerOption<T> | BatchHandlerOption<T>);

/** Ownership events of ordered mode: `partition` ({ event, partition, stream }). */
export interface PartitionEvent {
  event: 'acquired' | 'released' | 'lost';
  partition: number;
  stream: string;
}

/**
 * Consumes a partitioned stream.
 *
 * Events: `error`, `warning`, `deadLetter` ({ id, reason, stream }), and in ordered mode
 * `partition` ({@link PartitionEvent}).
 */
export class PartitionedConsumer<T = unknown> extends EventEmitter<PartitionedConsumerEvents> {
  /** The partitioned stream's name. */
  readonly stream: string;
  /** Number of partitions. */
  readonly partitions: number;
  /** The partition streams, by index. */
  readonly streams: readonly string[];
  /** The consumer group. */
  readonly group: string;
  /** This member's name (also the consumer name in every partition's group). */
  readonly name: string;
  /** Whether partitions are consumed in order, one member at a time. */
  readonly ordered: boolean;
  readonly #options: SharedConsumerOptions<T>;
  readonly #leaseTtlMs: number;
  readonly #handoffTimeoutMs: number;
  readonly #logger: Logger;
  readonly #consumers = new Map<number, Consumer<T>>();
  readonly #aborts = new Map<number, AbortController>();
  #shared: SharedRedis | undefined;
  #ownership: PartitionOwnership | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: PartitionedConsumerOptions<T>) {
    super();
    const opts = expectOptions('', options, PARTITIONED_CONSUMER_OPTION_KEYS);
    const { stream, partitions } = validatePartitioning(opts.stream, opts.partitions);
    this.stream = stream;
    this.partitions = partitions;
    this.streams = partitionStreams(stream, partitions);
    this.group = expectName('group', opts.group);
    this.name = opts.name === undefined ? defaultConsumerName() : expectName('name', opts.name);
    this.ordered = optionalBoolean('ordered', opts.ordered, false);
    this.#leaseTtlMs = optionalInteger('leaseTtlMs', opts.leaseTtlMs, 10_000, 300);
    this.#handoffTimeoutMs = optionalInteger('handoffTimeoutMs', opts.handoffTimeoutMs, 30_000, 0);
    this.#logger = opts.logger ?? silentLogger;
    const { stream: _s, partitions: _p, ordered: _o, leaseTtlMs: _l, handoffTimeoutMs: _h, name: _n, ...rest } = opts;
    if (this.ordered) {
      if (rest.handler === undefined) throw new InvalidOptionError('Expected `handler` with `ordered: true` (batch handlers and `for await` are not supported in ordered mode)');
      expectFunction('handler', rest.handler);
      if (rest.batchHandler !== undefined) throw new InvalidOptionError('Expected no `batchHandler` with `ordered: true`');
      if ((rest.concurrency ?? 1) !== 1) throw new InvalidOptionError('Expected `concurrency` 1 (or none) with `ordered: true`');
    } else if (rest.handler === undefined && rest.batchHandler === undefined) {
      throw new InvalidOptionError('Expected `handler` or `batchHandler` (a partitioned consumer cannot be iterated)');
    }
    // Fail at construction, as Consumer does, on any invalid consumer option.
    resolveConsumerOptions<T>({ ...rest, stream: this.streams[0] as string, name: this.name, ...(this.ordered ? { concurrency: 1, prefetch: 0 } : {}) } as ConsumerOptions<T>);
    this.#options = rest as SharedConsumerOptions<T>;
  }

  /** Connects, then starts a consumer per partition (ordered mode: per partition this member owns). */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new ClosedError(`PartitionedConsumer "${this.name}" is closed`));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const onError = (error: Error): void => emitError(this, this.#logger, error);
    this.#shared = await connectShared(this.#options.redis, { onError, connectTimeoutMs: this.#options.connectTimeoutMs });
    if (!this.ordered) {
      try {
        await Promise.all(this.streams.map((_stream, partition) => this.#startPartition(partition)));
      } catch (error) {
        await this.#stopAll();
        throw error;
      }
      return;
    }
    this.#ownership = new PartitionOwnership({
      connection: this.#shared.connection, stream: this.stream, streams: this.streams, group: this.group, member: this.name,
      leaseTtlMs: this.#leaseTtlMs,
      startPartition: (partition) => this.#startPartition(partition),
      stopPartition: (partition) => this.#stopPartition(partition, this.#handoffTimeoutMs),
      onChange: (event, partition) => this.emit('partition', { event, partition, stream: this.streams[partition] } satisfies PartitionEvent),
      onError,
    });
    await this.#ownership.start();
  }

  /** Partitions consumed by this member now (ordered mode: those it owns). */
  ownedPartitions(): number[] {
    if (this.#ownership) return this.#ownership.owned();
    return [...this.#consumers.keys()].sort((a, b) => a - b);
  }

  /** The consumer of one partition, while this member runs it. */
  consumerOf(partition: number): Consumer<T> | undefined {
    return this.#consumers.get(partition);
  }

  /** Resolves when every partition consumer of this member is idle (see {@link Consumer.onIdle}). */
  async onIdle(): Promise<void> {
    await Promise.all([...this.#consumers.values()].map((consumer) => consumer.onIdle()));
  }

  async #startPartition(partition: number): Promise<void> {
    const stream = this.streams[partition] as string;
    const shared = this.#shared as SharedRedis;
    const abort = new AbortController();
    // Rate budgets and per-key slots span every partition: they live in the partitioned stream's slot.
    const common = { ...this.#options, stream, name: this.name, redis: shared.redis, limitScope: this.#options.limitScope ?? this.stream };
    if (this.ordered) await this.#takeOverPending(stream);
    const options = this.ordered
      ? { ...common, handler: this.#orderedHandler(partition, abort.signal), batchHandler: undefined, concurrency: 1, prefetch: 0 }
      : common;
    const consumer = new Consumer<T>(options as ConsumerOptions<T>);
    consumer.on('error', (error: Error) => emitError(this, this.#logger, error));
    consumer.on('warning', (message: string, context?: Record<string, unknown>) => this.emit('warning', message, { ...context, stream }));
    consumer.on('deadLetter', (event: DeadLetterEvent) => this.emit('deadLetter', { ...event, stream }));
    this.#consumers.set(partition, consumer);
    this.#aborts.set(partition, abort);
    try {
      await consumer.start();
    } catch (error) {
      this.#consumers.delete(partition);
      this.#aborts.delete(partition);
      throw error;
    }
  }

  async #stopPartition(partition: number, timeoutMs: number): Promise<void> {
    const consumer = this.#consumers.get(partition);
    this.#aborts.get(partition)?.abort();
    if (consumer === undefined) return;
    try {
      await consumer.close({ timeoutMs });
    } finally {
      if (this.#consumers.get(partition) === consumer) {
        this.#consumers.delete(partition);
        this.#aborts.delete(partition);
      }
    }
  }

  async #stopAll(timeoutMs?: number): Promise<void> {
    await Promise.all([...this.#consumers.keys()].map((partition) => this.#stopPartition(partition, timeoutMs ?? 30_000)));
  }

  /**
   * Ordered mode, on taking a partition: moves every entry still pending in the group (left by a
   * member that crashed or gave the partition up) to this member, without bumping delivery
   * counters, so the consumer's start-up pass over its own pending entries handles them first,
   * oldest first.
   */
  async #takeOverPending(stream: string): Promise<void> {
    const connection = (this.#shared as SharedRedis).connection;
    try {
      await connection.send(stream, ['XGROUP', 'CREATE', stream, this.group, this.#options.startAt ?? '0', 'MKSTREAM']);
    } catch (error) {
      if (!isRedisError(error, 'BUSYGROUP')) throw error;
    }
    let cursor = '0-0';
    do {
      const reply = await connection.send<[string, unknown, unknown]>(stream, ['XAUTOCLAIM', stream, this.group, this.name, '0', cursor, 'COUNT', '500', 'JUSTID']);
      cursor = String(reply[0]);
    } while (cursor !== '0-0');
  }

  /** Ordered mode: the user's handler, retried in place while this member owns the partition. */
  #orderedHandler(partition: number, signal: AbortSignal): MessageHandler<T> {
    const handler = this.#options.handler as MessageHandler<T>;
    const maxDeliveries = this.#options.maxDeliveries ?? 5;
    const backoff = this.#options.backoff ?? exponentialBackoff();
    return async (message: Message<T>) => {
      for (let attempt = message.deliveries; ; attempt++) {
        if (!this.#ownership?.mayConsume(partition) || signal.aborted) {
          throw new Error(`Partition ${partition} of "${this.stream}" is no longer owned by "${this.name}": message ${message.id} left pending for the next owner`);
        }
        try {
          await handler(message);
          return;
        } catch (error) {
          if (error instanceof UnrecoverableError || message.settled) throw error;
          if (attempt >= maxDeliveries) {
            throw new UnrecoverableError(`failed ${attempt} of maxDeliveries ${maxDeliveries} (ordered: retried in place): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
          }
          emitWarning(this, this.#logger, `Handler failed on ${message.id} in ordered partition ${partition}: retrying in place`, { attempt, stream: this.streams[partition] });
          try {
            await sleep(Math.max(0, backoff(attempt, error)), undefined, { signal });
          } catch {
            throw error; // giving the partition up: the entry stays pending for the next owner
          }
        }
      }
    };
  }

  /**
   * Graceful close: ordered mode leaves the group (others take its partitions once released);
   * every partition consumer stops reading, lets running handlers finish (up to `timeoutMs`) and
   * flushes acks; then the shared connection closes.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions): Promise<void> {
    await this.#starting?.catch(() => undefined);
    if (this.#ownership) await this.#ownership.close();
    await this.#stopAll(options.timeoutMs);
    await this.#shared?.close();
  }
}
