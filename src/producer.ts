/**
 * Producer: appends messages to a stream. `send` is one XADD; `sendMany` packs a batch into
 * chunks that each cost one command; delayed and deduplicated sends go through Lua scripts in
 * the stream's slot.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { connect, validateRedisOption, type Connection, type RedisOption } from './connection.js';
import { checkSize, DEFAULT_MAX_PAYLOAD_BYTES, encodeHeaders, encodeMessage, type Headers } from './codec.js';
import { ClosedError, InvalidOptionError, TimeoutError } from './errors.js';
import { emitError } from './emit.js';
import type { ProducerEvents } from './events.js';
import { silentLogger, type Logger } from './logger.js';
import { defaultRegistry, Metrics, type MetricsRegistry, type MetricsSnapshot } from './metrics.js';
import { streamKeys, type StreamKeys } from './keys.js';
import * as scripts from './scripts/index.js';
import { injectTraceContext } from './tracing.js';
import { RetentionKeeper, type RetentionOptions } from './retention.js';
import { DelayedPromoter } from './delayed.js';
import {
  expectName, expectOptions, LOGGER_METHODS, optionalInteger, optionalMethods, optionalNumber, optionKeys, REGISTRY_METHODS,
} from './validate.js';

/** Options of {@link Producer}. */
export interface ProducerOptions {
  /** The stream's key, used verbatim (any Redis client can read it). */
  stream: string;
  /** How to reach Redis. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  redis?: RedisOption;
  /** Largest encoded message accepted by `send`, in bytes. @default 1048576 */
  maxPayloadBytes?: number;
  /** Time limit to connect before reporting Redis as unreachable. @default 5000 */
  connectTimeoutMs?: number;
  /** Stream retention, applied by safe trims after sends (never removes what a group still needs). @default {} (no trimming) */
  retention?: RetentionOptions;
  /** Messages per command in `sendMany`. @default 500 */
  batchSize?: number;
  /** Where logs go. @default silentLogger */
  logger?: Logger;
  /** Metrics registry to join. @default defaultRegistry */
  registry?: MetricsRegistry;
  /**
   * Opt-in durability on replicated Redis (a cluster's replicas, Sentinel): after each write, send
   * `WAIT replicas timeoutMs` to the node that took it; the send rejects with a
   * {@link ReplicationError} when fewer replicas acknowledged it in time. @default undefined (no WAIT)
   */
  waitForReplicas?: WaitForReplicas;
}

/** How many replicas must acknowledge each write, and how long to wait for them. */
export interface WaitForReplicas {
  /** Replicas that must have the write. */
  replicas: number;
  /** Longest wait for them, in milliseconds (WAIT's timeout; at least 1). */
  timeoutMs: number;
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

/** Options of one {@link Producer.send}. */
export interface SendOptions {
  /** Headers carried beside the payload (trace context, metadata). */
  headers?: Headers;
  /** Deliver no earlier than this many milliseconds from now (kept in the delayed set meanwhile). */
  delayMs?: number;
  /** Deliver no earlier than this time. */
  at?: Date;
  /** A second send with the same key within `dedupTtlMs` adds nothing and returns the first entry's ID. */
  dedupKey?: string;
  /** The deduplication window. @default 3600000 */
  dedupTtlMs?: number;
}

/** The option names of {@link Producer}: a new option is one line here (the compiler checks the list). */
export const PRODUCER_OPTION_KEYS = optionKeys<ProducerOptions>({
  stream: true, redis: true, maxPayloadBytes: true, connectTimeoutMs: true, retention: true, batchSize: true, logger: true, registry: true,
  waitForReplicas: true,
});

/** The option names of {@link Producer.send}. */
export const SEND_OPTION_KEYS = optionKeys<SendOptions>({ headers: true, delayMs: true, at: true, dedupKey: true, dedupTtlMs: true });

/** Options of one {@link Producer.sendMany}. */
export interface SendManyOptions extends Pick<SendOptions, 'headers'> {
  /**
   * Commands (of `batchSize` messages each) in flight at once: while Redis appends one, the next
   * is encoded and on its way. 1 sends a command only after the previous one's reply. @default 4
   */
  inFlight?: number;
}

const SEND_MANY_OPTION_KEYS = optionKeys<SendManyOptions>({ headers: true, inFlight: true });

/** Default of {@link SendManyOptions.inFlight}. */
const SEND_MANY_IN_FLIGHT = 4;

const WAIT_FOR_REPLICAS_KEYS = optionKeys<WaitForReplicas>({ replicas: true, timeoutMs: true });

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
  #connection: Promise<Connection> | undefined;
  #retention: RetentionKeeper | undefined;
  #promoter: DelayedPromoter | undefined;
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
      this.#connection = pending;
      pending.then((connection) => {
        this.#retention = new RetentionKeeper(connection, this.#keys, this.#retentionOptions, (error) => emitError(this, this.#logger, error));
      }, () => { this.#connection = undefined; });
    }
    return this.#connection;
  }

  /**
   * Appends one message; resolves with its entry ID (for a delayed message: a `delayed:…` ID
   * that {@link Producer.cancel} takes; the entry ID is assigned when it is due).
   * Rejects with EncodeError / PayloadTooLargeError before anything is sent when the payload
   * cannot be encoded, and with a RedisCommandError (e.g. OOM) when Redis refuses it.
   */
  async send(data: T, options?: SendOptions): Promise<string> {
    if (options !== undefined) expectOptions('', options, SEND_OPTION_KEYS);
    const fields = encodeMessage(data, injectTraceContext(options?.headers), this.#maxPayloadBytes);
    const connection = await this.#connect();
    let id: string;
    if (options !== undefined && (options.delayMs !== undefined || options.at !== undefined)) {
      id = await this.#sendDelayed(connection, fields, options);
    } else if (options?.dedupKey !== undefined) {
      const ttl = optionalInteger('dedupTtlMs', options.dedupTtlMs, 3_600_000, 1);
      id = (await scripts.sendDedup(connection, this.#keys, expectName('dedupKey', options.dedupKey), ttl, fields)).id;
    } else {
      id = await connection.send<string>(this.stream, ['XADD', this.stream, '*', ...fields]);
    }
    this.metrics.counters.sent++;
    this.#retention?.afterSend(1);
    await this.#confirmReplicated(connection, [id]);
    return id;
  }

  async #sendDelayed(connection: Connection, fields: string[], options: SendOptions): Promise<string> {
    let due: number;
    if (options.at !== undefined) {
      if (!(options.at instanceof Date) || Number.isNaN(options.at.getTime())) throw new InvalidOptionError('Expected `at` to be a valid Date');
      due = options.at.getTime();
    } else {
      due = Date.now() + optionalNumber('delayMs', options.delayMs, 0, 0);
    }
    const token = `${DELAYED_ID_PREFIX}${randomUUID()}`;
    await scripts.scheduleDelayed(connection, this.#keys, token, due, fields);
    this.#promoter ??= new DelayedPromoter(connection, this.#keys, (error) => emitError(this, this.#logger, error));
    this.#promoter.wakeAt(due);
    return token;
  }

  /** Cancels a delayed message by the ID `send` returned; resolves true if it was still waiting. */
  async cancel(delayedId: string): Promise<boolean> {
    if (typeof delayedId !== 'string' || !delayedId.startsWith(DELAYED_ID_PREFIX)) {
      throw new InvalidOptionError(`Expected a delayed message ID starting with "${DELAYED_ID_PREFIX}", got ${JSON.stringify(delayedId)}`);
    }
    return scripts.cancelDelayed(await this.#connect(), this.#keys, delayedId);
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
    const inFlight = optionalInteger('inFlight', options?.inFlight, SEND_MANY_IN_FLIGHT, 1, 1_000);
    const headersJson = encodeHeaders(options?.headers);
    const payloads = items.map((item) => encodeMessage(item, undefined, this.#maxPayloadBytes)[1] as string);
    if (headersJson !== undefined) for (const payload of payloads) checkSize(payload.length + headersJson.length, this.#maxPayloadBytes, payload, headersJson);
    const connection = await this.#connect();
    const ids = await sendChunks(connection, this.#keys, payloads, headersJson, this.#batchSize, inFlight);
    this.metrics.counters.sent += ids.length;
    this.#retention?.afterSend(ids.length);
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
    this.#promoter?.stop();
    this.#retention?.stop();
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

/**
 * Sends `payloads` in chunks of `chunkSize`, keeping up to `inFlight` chunk commands in flight: as
 * each reply comes, the next chunk is encoded and sent while Redis works on the ones queued, so
 * Node's encoding and Redis's appends overlap. Resolves with every ID, in order. After a failure no
 * new chunk is sent; the first error rejects once the chunks already in flight have settled.
 */
async function sendChunks(
  connection: Connection, keys: StreamKeys, payloads: readonly string[], headersJson: string | undefined, chunkSize: number, inFlight: number,
): Promise<string[]> {
  const count = Math.ceil(payloads.length / chunkSize);
  if (count <= 1) return count === 0 ? [] : scripts.sendMany(connection, keys, payloads, headersJson);
  const replies: string[][] = new Array<string[]>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      const k = next++;
      try {
        replies[k] = await scripts.sendMany(connection, keys, payloads.slice(k * chunkSize, (k + 1) * chunkSize), headersJson);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (failure !== undefined) throw failure.error;
  return replies.flat();
}

/** Producer options after validation, with every default applied. */
export interface ResolvedProducerOptions {
  stream: string;
  redis: RedisOption | undefined;
  maxPayloadBytes: number;
  connectTimeoutMs: number;
  batchSize: number;
  retention: RetentionOptions;
  waitForReplicas: WaitForReplicas | undefined;
  logger: Logger;
  registry: MetricsRegistry;
}

/** Validates producer options and applies defaults; throws InvalidOptionError naming the bad option. */
export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  const opts = expectOptions('', options, PRODUCER_OPTION_KEYS);
  const stream = expectName('stream', opts.stream);
  validateRedisOption(opts.redis);
  return {
    stream,
    redis: opts.redis,
    maxPayloadBytes: optionalInteger('maxPayloadBytes', opts.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES, 1),
    connectTimeoutMs: optionalInteger('connectTimeoutMs', opts.connectTimeoutMs, 5_000, 1),
    batchSize: optionalInteger('batchSize', opts.batchSize, 500, 1, 10_000),
    retention: RetentionKeeper.validate(opts.retention),
    waitForReplicas: validateWaitForReplicas(opts.waitForReplicas),
    logger: optionalMethods('logger', opts.logger, silentLogger, LOGGER_METHODS),
    registry: optionalMethods('registry', opts.registry, defaultRegistry, REGISTRY_METHODS),
  };
}

function validateWaitForReplicas(value: unknown): WaitForReplicas | undefined {
  if (value === undefined) return undefined;
  const opts = expectOptions('waitForReplicas', value as WaitForReplicas, WAIT_FOR_REPLICAS_KEYS);
  return {
    replicas: optionalInteger('waitForReplicas.replicas', opts.replicas, 1, 1),
    timeoutMs: optionalInteger('waitForReplicas.timeoutMs', opts.timeoutMs, 100, 1),
  };
}
