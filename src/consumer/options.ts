/** Consumer options: their documentation, defaults and validation in one place. */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { validateRedisOption, type RedisOption } from '../connection.js';
import type { BackoffPolicy } from '../backoff.js';
import { exponentialBackoff } from '../backoff.js';
import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { MetricsRegistry } from '../metrics.js';
import { defaultRegistry } from '../metrics.js';
import type { Message } from './message.js';
import type { PriorityMode } from '../priorities.js';
import { resolveKeyConcurrency, resolveRateLimits, type MessageKey, type RateLimit, type ResolvedRateLimits } from '../admission/limits.js';
import {
  expectFunction, expectName, expectOptions, expectStreamId, LOGGER_METHODS, optionalBoolean, optionalInteger, optionalMethods,
  optionKeys, REGISTRY_METHODS,
} from '../validate.js';

/** Handles one message; resolve to acknowledge it, throw to retry it (or dead-letter it). */
export type MessageHandler<T> = (message: Message<T>) => Promise<void> | void;

/** Handles a batch; messages it does not settle itself are acknowledged when it resolves, retried when it throws. */
export type BatchHandler<T> = (messages: Message<T>[]) => Promise<void> | void;

/**
 * Where a new group starts reading: `'0'` (everything in the stream), `'$'` (only messages added
 * from now on) or an entry ID such as `'1700000000000-0'`.
 */
export type StartAt = '0' | '$' | `${number}-${number}`;

/**
 * Options of {@link Consumer} besides `handler` and `batchHandler` (see {@link ConsumerOptions}).
 * `T` is the message type, for options that see messages.
 */
export interface ConsumerBaseOptions<T> {
  /** The stream's key, verbatim. */
  stream: string;
  /** The consumer group. Created (with MKSTREAM) when missing. */
  group: string;
  /** This consumer's name in the group; keep it stable across restarts to re-read its own pending entries first. @default `${hostname}-${pid}-${random}` */
  name?: string;
  /** How to reach Redis. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  redis?: RedisOption;
  /** Most messages in one batch for `batchHandler`. @default 100 */
  batchSize?: number;
  /** How long a batch waits to fill before it is handled anyway. @default 20 */
  batchWaitMs?: number;
  /** Handlers running at once. @default 16 */
  concurrency?: number;
  /** Extra messages read ahead of free handler slots (never more are held than concurrency + prefetch). @default concurrency */
  prefetch?: number;
  /** How long a delivered message may stay un-acked and silent before another consumer may take it over (XAUTOCLAIM min-idle). Leases of running handlers are renewed automatically. @default 30000 */
  visibilityTimeoutMs?: number;
  /** Deliveries after which a failing message goes to the dead letters. @default 5 */
  maxDeliveries?: number;
  /** Where a new group starts: '0' (everything in the stream), '$' (only new messages) or an ID. @default '0' */
  startAt?: StartAt;
  /** Delay before a failed message is delivered again, by attempt. @default exponentialBackoff() (500 ms doubling to 60 s, 20% jitter) */
  backoff?: BackoffPolicy;
  /** Deliver every entry's raw fields as `data` without decoding. @default false */
  raw?: boolean;
  /** Acknowledge and delete entries no other group still needs (pure queue use). @default false */
  deleteOnAck?: boolean;
  /** How often the reclaim sweep looks for entries idle longer than the visibility timeout. @default min(5000, visibilityTimeoutMs / 2) */
  reclaimIntervalMs?: number;
  /** How long one XREADGROUP blocks waiting for new entries. @default 2000 */
  blockMs?: number;
  /** Check for due delayed messages this often. @default 100 */
  delayedPollMs?: number;
  /** Time limit to connect. @default 5000 */
  connectTimeoutMs?: number;
  /** Cap of the dead-letter stream's length (approximate; 0: none). @default 100000 */
  deadLetterMaxLen?: number;
  /** How often this consumer reads whether its group is paused (`Admin.pause`): a pause takes effect within this time plus a round trip. @default 250 */
  pausePollMs?: number;
  /**
   * Priority levels of the stream, highest first; `'default'` is the stream itself (where other
   * clients' entries arrive), every other level its own stream key in the stream's cluster slot.
   * Give producers the same list. @default undefined (one level: the stream)
   */
  priorities?: string[];
  /**
   * How levels share the consumer: `'weighted'` (while levels are backlogged, each gets its
   * weight's share of the messages read — smooth weighted round robin, so a low level is never
   * starved) or `'strict'` (a lower level only when every higher one is empty). @default 'weighted'
   */
  priorityMode?: PriorityMode;
  /** Weights of the levels in weighted mode, in the order of `priorities`. @default halving from the top (4/2/1 for three levels) */
  priorityWeights?: number[];
  /**
   * At most `max` handler starts per `perMs`, for the whole group across every process (one budget
   * in Redis); with `key`, per key. An array holds one group limit and one per-key limit: a message
   * then needs room in both. Messages over the limit wait, keeping their lease, counting no
   * delivery. @default none
   */
  rateLimit?: RateLimit<T> | readonly RateLimit<T>[];
  /**
   * The key for {@link ConsumerBaseOptions.perKeyConcurrency} (a tenant, a customer): messages
   * with the same key share its limit; `undefined` or `''`: not limited. @default none
   */
  groupBy?: MessageKey<T>;
  /** Handlers running at once per `groupBy` key, across the whole group in every process. Needs `groupBy`. @default 1 */
  perKeyConcurrency?: number;
  /**
   * The name whose cluster slot holds the rate budgets and per-key slots: consumers with the same
   * `limitScope` and `group` share them. A PartitionedConsumer sets it to the partitioned stream's
   * name, so its limits span every partition. @default stream
   */
  limitScope?: string;
  /** Keep this consumer's name in the group after `close()` (by default it leaves the group when it holds no pending entries). @default false */
  keepConsumerOnClose?: boolean;
  /** Where logs go. @default silentLogger */
  logger?: Logger;
  /** Metrics registry to join. @default defaultRegistry */
  registry?: MetricsRegistry;
}

/**
 * Options of {@link Consumer}: give `handler`, `batchHandler`, or neither and iterate with
 * `for await` — never both (a compile error here, an InvalidOptionError at run time).
 */
export type ConsumerOptions<T> = ConsumerBaseOptions<T> & (HandlerOption<T> | BatchHandlerOption<T>);

/** A consumer that handles one message at a time (or, without `handler`, is iterated with `for await`). */
export interface HandlerOption<T> {
  /** Handles one message. Give this, `batchHandler`, or neither and iterate with `for await`. */
  handler?: MessageHandler<T>;
  /** Not with `handler`. */
  batchHandler?: never;
}

/** A consumer that handles messages in batches. */
export interface BatchHandlerOption<T> {
  /** Not with `batchHandler`. */
  handler?: never;
  /** Handles messages in batches (one database insert per batch). */
  batchHandler?: BatchHandler<T>;
}

/** The option names of {@link Consumer}: a new option is one line here (the compiler checks the list). */
export const CONSUMER_OPTION_KEYS = optionKeys<ConsumerOptions<unknown>>({
  stream: true, group: true, name: true, redis: true, handler: true, batchHandler: true, batchSize: true, batchWaitMs: true,
  concurrency: true, prefetch: true, visibilityTimeoutMs: true, maxDeliveries: true, startAt: true, backoff: true, raw: true,
  deleteOnAck: true, reclaimIntervalMs: true, blockMs: true, delayedPollMs: true, connectTimeoutMs: true, deadLetterMaxLen: true,
  keepConsumerOnClose: true, pausePollMs: true, priorities: true, priorityMode: true, priorityWeights: true,
  rateLimit: true, groupBy: true, perKeyConcurrency: true, limitScope: true,
  logger: true, registry: true,
});

/** Consumer options after validation, with every default applied. */
export interface ResolvedConsumerOptions<T> {
  stream: string;
  group: string;
  name: string;
  redis: RedisOption | undefined;
  handler: MessageHandler<T> | undefined;
  batchHandler: BatchHandler<T> | undefined;
  batchSize: number;
  batchWaitMs: number;
  concurrency: number;
  prefetch: number;
  visibilityTimeoutMs: number;
  maxDeliveries: number;
  startAt: string;
  backoff: BackoffPolicy;
  raw: boolean;
  deleteOnAck: boolean;
  reclaimIntervalMs: number;
  blockMs: number;
  delayedPollMs: number;
  connectTimeoutMs: number;
  deadLetterMaxLen: number;
  keepConsumerOnClose: boolean;
  pausePollMs: number;
  priorities: string[] | undefined;
  priorityMode: PriorityMode;
  priorityWeights: number[] | undefined;
  rateLimit: ResolvedRateLimits<T> | undefined;
  groupBy: MessageKey<T> | undefined;
  perKeyConcurrency: number;
  limitScope: string;
  logger: Logger;
  registry: MetricsRegistry;
}

/** Checks `priorityMode`. */
function expectPriorityMode(value: unknown): PriorityMode {
  if (value === undefined) return 'weighted';
  if (value === 'strict' || value === 'weighted') return value;
  throw new InvalidOptionError(`Expected \`priorityMode\` to be 'strict' or 'weighted', got ${JSON.stringify(value)}`);
}

/** A default consumer name: unique per process and instance. */
export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Validates options and applies defaults; throws InvalidOptionError naming the bad option. */
export function resolveConsumerOptions<T>(input: ConsumerOptions<T>): ResolvedConsumerOptions<T> {
  const o = expectOptions('', input, CONSUMER_OPTION_KEYS);
  validateRedisOption(o.redis);
  if (o.handler !== undefined && o.batchHandler !== undefined) {
    throw new InvalidOptionError('Expected either `handler` or `batchHandler`, got both');
  }
  const concurrency = optionalInteger('concurrency', o.concurrency, 16, 1);
  const visibilityTimeoutMs = optionalInteger('visibilityTimeoutMs', o.visibilityTimeoutMs, 30_000, 100);
  const stream = expectName('stream', o.stream);
  return {
    stream,
    group: expectName('group', o.group),
    name: o.name === undefined ? defaultConsumerName() : expectName('name', o.name),
    redis: o.redis,
    handler: o.handler === undefined ? undefined : expectFunction<MessageHandler<T>>('handler', o.handler),
    batchHandler: o.batchHandler === undefined ? undefined : expectFunction<BatchHandler<T>>('batchHandler', o.batchHandler),
    batchSize: optionalInteger('batchSize', o.batchSize, 100, 1, 10_000),
    batchWaitMs: optionalInteger('batchWaitMs', o.batchWaitMs, 20, 0),
    concurrency,
    prefetch: optionalInteger('prefetch', o.prefetch, concurrency, 0, 100_000),
    visibilityTimeoutMs,
    maxDeliveries: optionalInteger('maxDeliveries', o.maxDeliveries, 5, 1),
    startAt: o.startAt === undefined ? '0' : expectStreamId('startAt', o.startAt, ['$']),
    backoff: o.backoff === undefined ? exponentialBackoff() : expectFunction<BackoffPolicy>('backoff', o.backoff),
    raw: optionalBoolean('raw', o.raw, false),
    deleteOnAck: optionalBoolean('deleteOnAck', o.deleteOnAck, false),
    reclaimIntervalMs: optionalInteger('reclaimIntervalMs', o.reclaimIntervalMs, Math.min(5_000, Math.floor(visibilityTimeoutMs / 2)), 10),
    blockMs: optionalInteger('blockMs', o.blockMs, 2_000, 1, 60_000),
    delayedPollMs: optionalInteger('delayedPollMs', o.delayedPollMs, 100, 10),
    connectTimeoutMs: optionalInteger('connectTimeoutMs', o.connectTimeoutMs, 5_000, 1),
    deadLetterMaxLen: optionalInteger('deadLetterMaxLen', o.deadLetterMaxLen, 100_000, 0),
    keepConsumerOnClose: optionalBoolean('keepConsumerOnClose', o.keepConsumerOnClose, false),
    pausePollMs: optionalInteger('pausePollMs', o.pausePollMs, 250, 10, 10_000),
    priorities: o.priorities,
    priorityMode: expectPriorityMode(o.priorityMode),
    priorityWeights: o.priorityWeights,
    rateLimit: resolveRateLimits<T>(o.rateLimit),
    ...resolveKeyConcurrency<T>(o.groupBy, o.perKeyConcurrency),
    limitScope: o.limitScope === undefined ? stream : expectName('limitScope', o.limitScope),
    logger: optionalMethods('logger', o.logger, silentLogger, LOGGER_METHODS),
    registry: optionalMethods('registry', o.registry, defaultRegistry, REGISTRY_METHODS),
  };
}
