/**
 * Producer: appends messages to a stream. `send` is one XADD; `sendMany` packs a batch into
 * chunks that each cost one command; delayed and deduplicated sends go through Lua scripts in
 * the stream's slot.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { connect, type Connection, type RedisOption } from './connection.js';
import { checkSize, encodeHeaders, encodeMessage } from './codec.js';
import { ClosedError, InvalidOptionError, TimeoutError } from './errors.js';
import { emitError } from './emit.js';
import type { ProducerEvents } from './events.js';
import type { Logger } from './logger.js';
import { Metrics, type MetricsRegistry, type MetricsSnapshot } from './metrics.js';
import { streamKeys, type StreamKeys } from './keys.js';
import * as scripts from './scripts/index.js';
import { injectTraceContext } from './tracing.js';
import { RetentionKeeper, type RetentionOptions } from './retention.js';
import { DelayedPromoter } from './delayed.js';
import { levelIndex, levelsKey, type Levels } from './priorities.js';
import { expectName, expectOptions, optionalInteger, optionalNumber } from './validate.js';
import { sendChunks } from './send-chunks.js';
import {
  resolveProducerOptions, SEND_MANY_IN_FLIGHT, SEND_MANY_OPTION_KEYS, SEND_OPTION_KEYS, type ProducerOptions, type SendManyOptions, type SendOptions, type WaitForReplicas,
} from './producer-options.js';

export type { ProducerOptions, SendOptions, SendManyOptions, WaitForReplicas } from './producer-options.js';

/** One priority level's stream and what the producer runs for it. */
interface ProducerLane {
  keys: StreamKeys;
  retention: RetentionKeeper | undefined;
  promoter: DelayedPromoter | undefined;
}

/**
 * Fewer replicas than `waitForReplicas.replicas` acknowledged a write in time. The entries were
 * written on the master (`ids`) but may be lost if it fails before they reach a replica; sending
 * them again is safe for at-least-once delivery (a duplicate if the first copy survives).
 */
export class ReplicationError extends TimeoutError {
  /** The entry IDs (or delayed IDs) the master assigned. */
  readonly ids: string[];
  /** Replicas that acknowledged the write. */
  readonly acknowledged: number;
  /** Replicas required. */
  readonly required: number;

  constructor(message: string, ids: string[], acknowledged: number, required: number) {
    super(message);
    this.ids = ids;
    this.acknowledged = acknowledged;
    this.required = required;
  }
}

/** Prefix of the IDs `send` returns for delayed messages (the entry ID is assigned when due). */
export const DELAYED_ID_PREFIX = 'delayed:';

/**
 * Appends messages to a Redis stream.
 *
 * @example
 * ```ts
 * const producer = new Producer<Order>({ stream: 'orders' });
 * const id = await producer.send({ id: 1 });
 * await producer.close();
 * ```
 */
export class Producer<T = unknown> extends EventEmitter<ProducerEvents> {
  /** The stream's key. */
  readonly stream: string;
  /** This producer's metrics. */
  readonly metrics: Metrics;
  readonly #keys: StreamKeys;
  readonly #redis: RedisOption | undefined;
  readonly #maxPayloadBytes: number;
  readonly #connectTimeoutMs: number;
  readonly #batchSize: number;
  readonly #logger: Logger;
  readonly #registry: MetricsRegistry;
  readonly #retentionOptions: RetentionOptions;
  readonly #waitForReplicas: WaitForReplicas | undefined;
  readonly #levels: Levels;
  readonly #lanes = new Map<string, ProducerLane>();
  #connection: Promise<Connection> | undefined;
  #closed = false;

  constructor(options: ProducerOptions) {
    super();
    const o = resolveProducerOptions(options);
    this.stream = o.stream;
    this.#keys = streamKeys(this.stream);
    this.#redis = o.redis;
    this.#maxPayloadBytes = o.maxPayloadBytes;
    this.#connectTimeoutMs = o.connectTimeoutMs;
    this.#batchSize = o.batchSize;
    this.#retentionOptions = o.retention;
    this.#waitForReplicas = o.waitForReplicas;
    this.#logger = o.logger;
    this.#registry = o.registry;
    this.#levels = o.levels;
    this.metrics = new Metrics({ stream: this.stream, role: 'producer' });
    this.#registry.register(this.metrics);
  }

  /** Connects now (otherwise the first send does). Rejects with a ConnectionError/AuthenticationError. */
  async connect(): Promise<void> {
    await this.#connect();
  }

  #connect(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClosedError(`Producer for stream "${this.stream}" is closed`));
    if (this.#connection === undefined) {
      const pending = connect(this.#redis, { onError: (error) => emitError(this, this.#logger, error), connectTimeoutMs: this.#connectTimeoutMs });
      this.#connection = pending.then(async (connection) => {
        // Recorded for Admin, the CLI and the dashboard, which show each level.
        if (this.#levels.names.length > 1) await connection.send(this.stream, ['SET', levelsKey(this.stream), JSON.stringify(this.#levels.names)]);
        return connection;
      });
      this.#connection.catch(() => { this.#connection = undefined; });
    }
    return this.#connection;
  }

  /** The lane of a priority level (the stream itself by default); its retention starts with its first send. */
  #lane(priority: string | undefined, connection?: Connection): ProducerLane {
    const level = priority ?? 'default';
    let lane = this.#lanes.get(level);
    if (lane === undefined) {
      const stream = this.#levels.streams[levelIndex(this.#levels, level)] as string;
      lane = { keys: stream === this.stream ? this.#keys : streamKeys(stream), retention: undefined, promoter: undefined };
      this.#lanes.set(level, lane);
    }
    if (connection !== undefined && lane.retention === undefined) {
      lane.retention = new RetentionKeeper(connection, lane.keys, this.#retentionOptions, (error) => emitError(this, this.#logger, error));
    }
    return lane;
  }

  /**
   * Appends one message; resolves with its entry ID (for a delayed message: a `delayed:…` ID
   * that {@link Producer.cancel} takes; the entry ID is assigned when it is due).
   * Rejects with EncodeError / PayloadTooLargeError before anything is sent when the payload
   * cannot be encoded, and with a RedisCommandError (e.g. OOM) when Redis refuses it.
   */
  async send(data: T, options?: SendOptions): Promise<string> {
    if (options !== undefined) expectOptions('', options, SEND_OPTION_KEYS);
    this.#lane(options?.priority);
    const fields = encodeMessage(data, injectTraceContext(options?.headers), this.#maxPayloadBytes);
    const connection = await this.#connect();
    const lane = this.#lane(options?.priority, connection);
    let id: string;
    const dedup = options?.dedupKey === undefined ? undefined
      : { key: this.#keys.dedupPrefix + expectName('dedupKey', options.dedupKey), ttlMs: optionalInteger('dedupTtlMs', options.dedupTtlMs, 3_600_000, 1) };
    if (options !== undefined && (options.delayMs !== undefined || options.at !== undefined)) {
      id = await this.#sendDelayed(connection, lane, options?.priority, fields, options, dedup);
    } else if (dedup !== undefined) {
      id = (await scripts.sendDedup(connection, lane.keys.stream, dedup.key, dedup.ttlMs, fields)).id;
    } else {
      id = await connection.send<string>(lane.keys.stream, ['XADD', lane.keys.stream, '*', ...fields]);
    }
    this.metrics.counters.sent++;
    lane.retention?.afterSend(1);
    await this.#confirmReplicated(connection, [id]);
    return id;
  }

  async #sendDelayed(
    connection: Connection, lane: ProducerLane, priority: string | undefined, fields: string[], options: SendOptions,
    dedup: { key: string; ttlMs: number } | undefined,
  ): Promise<string> {
    let due: number;
    if (options.at !== undefined) {
      if (!(options.at instanceof Date) || Number.isNaN(options.at.getTime())) throw new InvalidOptionError('Expected `at` to be a valid Date');
      due = options.at.getTime();
    } else {
      due = Date.now() + optionalNumber('delayMs', options.delayMs, 0, 0);
    }
    // The level is part of the ID, so cancel() finds the level's delayed set.
    const token = `${DELAYED_ID_PREFIX}${priority === undefined || priority === 'default' ? '' : `${priority}:`}${randomUUID()}`;
    const scheduled = await scripts.scheduleDelayed(connection, lane.keys, token, due, fields, dedup);
    lane.promoter ??= new DelayedPromoter(connection, lane.keys, (error) => emitError(this, this.#logger, error));
    lane.promoter.wakeAt(due);
    return scheduled;
  }

  /** Cancels a delayed message by the ID `send` returned; resolves true if it was still waiting. */
  async cancel(delayedId: string): Promise<boolean> {
    if (typeof delayedId !== 'string' || !delayedId.startsWith(DELAYED_ID_PREFIX)) {
      throw new InvalidOptionError(`Expected a delayed message ID starting with "${DELAYED_ID_PREFIX}", got ${JSON.stringify(delayedId)}`);
    }
    // `delayed:<uuid>` or `delayed:<level>:<uuid>` (a UUID has no colon).
    const rest = delayedId.slice(DELAYED_ID_PREFIX.length);
    const colon = rest.lastIndexOf(':');
    const lane = this.#lane(colon === -1 ? undefined : rest.slice(0, colon));
    return scripts.cancelDelayed(await this.#connect(), lane.keys, delayedId);
  }

  /**
   * Appends many messages; resolves with their IDs in order. All payloads are encoded first, so
   * one bad payload rejects the call before anything is sent. They go out in commands of
   * `batchSize` messages, `inFlight` of them at a time (each command is atomic: all of its
   * messages are appended, or none). When a command fails, no further one is sent, and the call
   * rejects with the first error once the commands in flight have settled; the commands that
   * succeeded have appended their messages.
   */
  async sendMany(items: readonly T[], options?: SendManyOptions): Promise<string[]> {
    if (!Array.isArray(items)) throw new InvalidOptionError('Expected `items` to be an array');
    if (options !== undefined) expectOptions('', options, SEND_MANY_OPTION_KEYS);
    this.#lane(options?.priority);
    const inFlight = optionalInteger('inFlight', options?.inFlight, SEND_MANY_IN_FLIGHT, 1, 1_000);
    const headersJson = encodeHeaders(options?.headers);
    const payloads = items.map((item) => encodeMessage(item, undefined, this.#maxPayloadBytes)[1] as string);
    if (headersJson !== undefined) for (const payload of payloads) checkSize(payload.length + headersJson.length, this.#maxPayloadBytes, payload, headersJson);
    const connection = await this.#connect();
    const lane = this.#lane(options?.priority, connection);
    const ids = await sendChunks(connection, lane.keys, payloads, headersJson, this.#batchSize, inFlight);
    this.metrics.counters.sent += ids.length;
    lane.retention?.afterSend(ids.length);
    await this.#confirmReplicated(connection, ids);
    return ids;
  }

  /** With `waitForReplicas`: WAIT on the stream's node (after the writes on the same connection); throws when too few replicas acknowledged. */
  async #confirmReplicated(connection: Connection, ids: string[]): Promise<void> {
    const wait = this.#waitForReplicas;
    if (wait === undefined || ids.length === 0) return;
    const acknowledged = Number(await connection.send(this.stream, ['WAIT', String(wait.replicas), String(wait.timeoutMs)]));
    if (acknowledged < wait.replicas) {
      throw new ReplicationError(
        `Only ${acknowledged} of ${wait.replicas} required replicas acknowledged ${ids.length === 1 ? `entry ${ids[0]}` : `${ids.length} entries`} on "${this.stream}" within ${wait.timeoutMs} ms: written on the master, but a failover now could lose it`,
        ids, acknowledged, wait.replicas,
      );
    }
  }

  /** A snapshot of this producer's metrics. */
  metricsSnapshot(): MetricsSnapshot {
    return this.metrics.snapshot();
  }

  /** Stops timers and closes the connection (a client passed in as `redis` stays open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.#lanes.values()) {
      lane.promoter?.stop();
      lane.retention?.stop();
    }
    this.#registry.unregister(this.metrics);
    const pending = this.#connection;
    if (pending === undefined) return;
    try {
      await (await pending).close();
    } catch {
      /* the connection never opened: nothing to close */
    }
  }
}


