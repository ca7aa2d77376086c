/** Scheduler options and upsert options: their documentation, defaults and validation in one place. */
import type { RedisOption } from '../connection.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, encodeMessage, type Headers } from '../codec.js';
import { InvalidOptionError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { defaultRegistry, type MetricsRegistry } from '../metrics.js';
import { expectName, LOGGER_METHODS, optionalInteger, optionalMethods, REGISTRY_METHODS } from '../validate.js';
import type { MissedPolicy, UpsertOptions } from './types.js';
import { expectKnownKeys, expectPlainObject } from '../validate.js';

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** The stream the ticks are appended to (its key, verbatim). */
  stream: string;
  /** How to reach Redis. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  redis?: RedisOption;
  /**
   * How often a started scheduler re-reads the stream's schedules, to learn of schedules created,
   * changed or removed by other processes (its own changes apply at once). @default 1000
   */
  pollMs?: number;
  /** Largest encoded tick message accepted by `upsert`, in bytes. @default 1048576 */
  maxPayloadBytes?: number;
  /** Time limit to connect before reporting Redis as unreachable. @default 5000 */
  connectTimeoutMs?: number;
  /** Where logs go. @default silentLogger */
  logger?: Logger;
  /** Metrics registry to join. @default defaultRegistry */
  registry?: MetricsRegistry;
}

/** Scheduler options after validation, with every default applied. */
export interface ResolvedSchedulerOptions {
  stream: string;
  redis: RedisOption | undefined;
  pollMs: number;
  maxPayloadBytes: number;
  connectTimeoutMs: number;
  logger: Logger;
  registry: MetricsRegistry;
}

const SCHEDULER_KEYS = { stream: true, redis: true, pollMs: true, maxPayloadBytes: true, connectTimeoutMs: true, logger: true, registry: true } as const;
const UPSERT_KEYS = { headers: true, missed: true } as const;
const MISSED_POLICIES: readonly MissedPolicy[] = ['skip', 'once', 'all'];
/** Headers each tick gets from the scheduler; a schedule's own headers may not use these names. */
export const TICK_HEADERS = ['schedule', 'scheduledAt', 'missedFrom'] as const;

/** Validates scheduler options and applies defaults; throws InvalidOptionError naming the bad option. */
export function resolveSchedulerOptions(input: SchedulerOptions): ResolvedSchedulerOptions {
  const o = expectPlainObject('options', input) as Partial<SchedulerOptions>;
  expectKnownKeys('', o, SCHEDULER_KEYS);
  return {
    stream: expectName('stream', o.stream),
    redis: o.redis,
    pollMs: optionalInteger('pollMs', o.pollMs, 1_000, 10, 3_600_000),
    maxPayloadBytes: optionalInteger('maxPayloadBytes', o.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES, 1),
    connectTimeoutMs: optionalInteger('connectTimeoutMs', o.connectTimeoutMs, 5_000, 1),
    logger: optionalMethods('logger', o.logger, silentLogger, LOGGER_METHODS),
    registry: optionalMethods('registry', o.registry, defaultRegistry, REGISTRY_METHODS),
  };
}

/** Upsert options after validation. */
export interface ResolvedUpsert {
  headers: Headers;
  missed: MissedPolicy;
  /** The payload as JSON text. */
  payload: string;
}

/**
 * Validates the payload and options of an upsert: the options' keys, the missed policy, the
 * headers (strings, none named like a tick header), and that a tick message encodes within
 * `maxPayloadBytes`. Throws InvalidOptionError, EncodeError or PayloadTooLargeError.
 */
export function resolveUpsert(name: string, data: unknown, input: UpsertOptions | undefined, maxPayloadBytes: number): ResolvedUpsert {
  const o = (input === undefined ? {} : expectPlainObject('options', input)) as Partial<UpsertOptions>;
  expectKnownKeys('', o, UPSERT_KEYS);
  const missed = o.missed ?? 'once';
  if (!MISSED_POLICIES.includes(missed)) {
    throw new InvalidOptionError(`Expected \`missed\` to be one of 'skip', 'once', 'all', got ${JSON.stringify(missed)}`);
  }
  const headers = o.headers === undefined ? {} : expectPlainObject('headers', o.headers, 'an object of string values') as Headers;
  for (const name of TICK_HEADERS) {
    if (Object.hasOwn(headers, name)) throw new InvalidOptionError(`Expected \`headers\` not to set \`${name}\`: the scheduler sets it on every tick`);
  }
  const sample = { ...headers, schedule: name, scheduledAt: new Date(0).toISOString(), missedFrom: new Date(0).toISOString() };
  const [, payload] = encodeMessage(data, sample, maxPayloadBytes) as [string, string];
  return { headers: { ...headers }, missed, payload };
}
