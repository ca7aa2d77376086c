/**
 * Producer options: their documentation, defaults and validation in one place.
 */
import { validateRedisOption, type RedisOption } from './connection.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type Headers } from './codec.js';
import { silentLogger, type Logger } from './logger.js';
import { defaultRegistry, type MetricsRegistry } from './metrics.js';
import { resolveLevels, type Levels } from './priorities.js';
import { RetentionKeeper, type RetentionOptions } from './retention.js';
import {
  expectName, expectOptions, LOGGER_METHODS, optionalInteger, optionalMethods, optionKeys, REGISTRY_METHODS,
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
   * `ReplicationError` when fewer replicas acknowledged it in time. @default undefined (no WAIT)
   */
  waitForReplicas?: WaitForReplicas;
  /**
   * Priority levels of the stream, highest first, as the consumers have them; `'default'` is the
   * stream itself. `send(data, { priority })` picks one. @default undefined (one level: the stream)
   */
  priorities?: string[];
}

/** How many replicas must acknowledge each write, and how long to wait for them. */
export interface WaitForReplicas {
  /** Replicas that must have the write. */
  replicas: number;
  /** Longest wait for them, in milliseconds (WAIT's timeout; at least 1). */
  timeoutMs: number;
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
  /** The priority level (one of the producer's `priorities`). @default 'default' */
  priority?: string;
}

/** The option names of {@link Producer}: a new option is one line here (the compiler checks the list). */
export const PRODUCER_OPTION_KEYS = optionKeys<ProducerOptions>({
  stream: true, redis: true, maxPayloadBytes: true, connectTimeoutMs: true, retention: true, batchSize: true, logger: true, registry: true,
  waitForReplicas: true, priorities: true,
});

/** The option names of {@link Producer.send}. */
export const SEND_OPTION_KEYS = optionKeys<SendOptions>({ headers: true, delayMs: true, at: true, dedupKey: true, dedupTtlMs: true, priority: true });

/** Options of one {@link Producer.sendMany}. */
export interface SendManyOptions extends Pick<SendOptions, 'headers' | 'priority'> {
  /**
   * Commands (of `batchSize` messages each) in flight at once: while Redis appends one, the next
   * is encoded and on its way. 1 sends a command only after the previous one's reply. @default 4
   */
  inFlight?: number;
}

/** The option names of {@link Producer.sendMany}. */
export const SEND_MANY_OPTION_KEYS = optionKeys<SendManyOptions>({ headers: true, priority: true, inFlight: true });

/** Default of {@link SendManyOptions.inFlight}. */
export const SEND_MANY_IN_FLIGHT = 4;

const WAIT_FOR_REPLICAS_KEYS = optionKeys<WaitForReplicas>({ replicas: true, timeoutMs: true });

/** Producer options after validation, with every default applied. */
export interface ResolvedProducerOptions {
  stream: string;
  redis: RedisOption | undefined;
  maxPayloadBytes: number;
  connectTimeoutMs: number;
  batchSize: number;
  retention: RetentionOptions;
  waitForReplicas: WaitForReplicas | undefined;
  levels: Levels;
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
    levels: resolveLevels(stream, opts.priorities, undefined),
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
