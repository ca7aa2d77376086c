/**
 * PartitionedProducer: sends to the partitions `name:0 … name:N-1` of a partitioned stream. With a
 * `key`, the partition is `fnv1a32(key) % N` (every message of a key goes to one partition, in
 * order); without one, partitions take turns (round robin). One node-redis client is shared by
 * the producers of all partitions.
 */
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { connectShared, type SharedRedis } from '../connection.js';
import { ClosedError, InvalidOptionError } from '../errors.js';
import { emitError } from '../emit.js';
import { silentLogger } from '../logger.js';
import { Producer } from '../producer.js';
import { PRODUCER_OPTION_KEYS, resolveProducerOptions, SEND_OPTION_KEYS, type ProducerOptions, type SendOptions } from '../producer-options.js';
import { expectOptions, optionKeys, type OptionKeys } from '../validate.js';
import { partitionOf, partitionStreams, validatePartitioning } from './names.js';

/** Options of {@link PartitionedProducer}: those of {@link Producer}, plus the partition count. */
export interface PartitionedProducerOptions extends Omit<ProducerOptions, 'stream'> {
  /** The partitioned stream's name; partitions are `${stream}:0 … ${stream}:${partitions - 1}`. */
  stream: string;
  /** Number of partitions (1–4096). Keep it fixed: changing it moves keys to other partitions. */
  partitions: number;
}

/** Options of one {@link PartitionedProducer.send}. */
export interface PartitionedSendOptions extends SendOptions {
  /** Messages with the same key go to the same partition, so they are consumed in order. Round robin without one. */
  key?: string;
}

/** Where a message went. */
export interface PartitionedSendResult {
  /** The partition's index. */
  partition: number;
  /** The partition's stream. */
  stream: string;
  /** The entry ID (or delayed ID) in that stream. */
  id: string;
}

/** Options of one {@link PartitionedProducer.sendMany}. */
export interface PartitionedSendManyOptions<T> {
  /** Each item's partition key (round robin for items without one). */
  key?: (item: T) => string | undefined;
  /** Headers carried beside every payload. */
  headers?: SendOptions['headers'];
}

/** Events of a {@link PartitionedProducer}. */
export interface PartitionedProducerEvents {
  /** Redis trouble in the background (reconnecting, a failed retention trim or delayed-message promotion). */
  error: [error: Error];
}

const PARTITIONED_PRODUCER_OPTION_KEYS = optionKeys<PartitionedProducerOptions>({ ...PRODUCER_OPTION_KEYS, partitions: true });
const PARTITIONED_SEND_OPTION_KEYS = optionKeys<PartitionedSendOptions>({ ...SEND_OPTION_KEYS, key: true });
const PARTITIONED_SEND_MANY_OPTION_KEYS = optionKeys<PartitionedSendManyOptions<unknown>>({ key: true, headers: true });

/**
 * Appends messages to a partitioned stream.
 *
 * @example
 * ```ts
 * const producer = new PartitionedProducer<Order>({ stream: 'orders', partitions: 8, redis: { rootNodes } });
 * await producer.send(order, { key: order.customerId });
 * ```
 */
export class PartitionedProducer<T = unknown> extends EventEmitter<PartitionedProducerEvents> {
  /** The partitioned stream's name. */
  readonly stream: string;
  /** Number of partitions. */
  readonly partitions: number;
  /** The partition streams, by index. */
  readonly streams: readonly string[];
  readonly #options: Omit<ProducerOptions, 'stream'>;
  #shared: Promise<{ shared: SharedRedis; producers: Producer<T>[] }> | undefined;
  #next: number;
  #closed = false;

  constructor(options: PartitionedProducerOptions) {
    super();
    const opts = expectOptions('', options, PARTITIONED_PRODUCER_OPTION_KEYS);
    const { stream, partitions } = validatePartitioning(opts.stream, opts.partitions);
    this.stream = stream;
    this.partitions = partitions;
    this.streams = partitionStreams(stream, partitions);
    const { stream: _stream, partitions: _partitions, ...rest } = opts;
    // Fail at construction, as Producer does, on any invalid producer option.
    resolveProducerOptions({ ...rest, stream: this.streams[0] as string });
    this.#options = rest;
    this.#next = randomInt(partitions);
  }

  /** The partition a key goes to. */
  partitionOf(key: string): number {
    return partitionOf(key, this.partitions);
  }

  /** Connects now (otherwise the first send does). */
  async connect(): Promise<void> {
    await this.#producers();
  }

  #producers(): Promise<Producer<T>[]> {
    if (this.#closed) return Promise.reject(new ClosedError(`PartitionedProducer for "${this.stream}" is closed`));
    if (this.#shared === undefined) {
      const logger = this.#options.logger ?? silentLogger;
      const pending = connectShared(this.#options.redis, {
        onError: (error) => emitError(this, logger, error), connectTimeoutMs: this.#options.connectTimeoutMs,
      }).then((shared) => {
        const producers = this.streams.map((stream) => {
          const producer = new Producer<T>({ ...this.#options, stream, redis: shared.redis });
          producer.on('error', (error: Error) => emitError(this, logger, error));
          return producer;
        });
        return { shared, producers };
      });
      this.#shared = pending;
      pending.catch(() => { this.#shared = undefined; });
    }
    return this.#shared.then((s) => s.producers);
  }

  #pick(key: string | undefined): number {
    if (key !== undefined) return partitionOf(key, this.partitions);
    const partition = this.#next;
    this.#next = (this.#next + 1) % this.partitions;
    return partition;
  }

  /** Appends one message to the key's partition (or the next one in turn); resolves with where it went. */
  async send(data: T, options?: PartitionedSendOptions): Promise<PartitionedSendResult> {
    if (options !== undefined) expectOptions('', options, PARTITIONED_SEND_OPTION_KEYS);
    const partition = this.#pick(options?.key);
    const producers = await this.#producers();
    const { key: _key, ...sendOptions } = options ?? {};
    const id = await (producers[partition] as Producer<T>).send(data, sendOptions);
    return { partition, stream: this.streams[partition] as string, id };
  }

  /**
   * Appends many messages; `key` gives each item's partition key (round robin for items without
   * one). One batch per partition, sent in parallel; resolves with the results in input order.
   */
  async sendMany(items: readonly T[], input: PartitionedSendManyOptions<T> = {}): Promise<PartitionedSendResult[]> {
    if (!Array.isArray(items)) throw new InvalidOptionError('Expected `items` to be an array');
    const options = expectOptions('', input, PARTITIONED_SEND_MANY_OPTION_KEYS as OptionKeys<PartitionedSendManyOptions<T>>);
    const byPartition = new Map<number, { indexes: number[]; items: T[] }>();
    items.forEach((item, index) => {
      const partition = this.#pick(options.key?.(item));
      let group = byPartition.get(partition);
      if (group === undefined) byPartition.set(partition, group = { indexes: [], items: [] });
      group.indexes.push(index);
      group.items.push(item);
    });
    const producers = await this.#producers();
    const results = new Array<PartitionedSendResult>(items.length);
    await Promise.all([...byPartition].map(async ([partition, group]) => {
      const ids = await (producers[partition] as Producer<T>).sendMany(group.items, { headers: options.headers });
      const stream = this.streams[partition] as string;
      group.indexes.forEach((index, i) => { results[index] = { partition, stream, id: ids[i] as string }; });
    }));
    return results;
  }

  /** Closes the producers and the shared connection (a client passed in as `redis` stays open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pending = this.#shared;
    if (pending === undefined) return;
    let opened;
    try {
      opened = await pending;
    } catch {
      return;
    }
    await Promise.all(opened.producers.map((producer) => producer.close()));
    await opened.shared.close();
  }
}
