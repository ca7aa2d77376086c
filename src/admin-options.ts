/**
 * Admin's options and the checks of its methods' arguments: the option names of the constructor
 * and of every method's option bag (each list checked against its type by the compiler).
 */
import type { RedisOption } from './connection.js';
import { InvalidOptionError } from './errors.js';
import type { Logger } from './logger.js';
import { expectStreamId, optionKeys } from './validate.js';
import type { Admin } from './admin.js';

/** Options of {@link Admin}. */
export interface AdminOptions {
  /** How to reach Redis. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  redis?: RedisOption;
  /** Time limit to connect. @default 5000 */
  connectTimeoutMs?: number;
  /** Where logs go. @default silentLogger */
  logger?: Logger;
  /**
   * Time limit of each Redis command the Admin sends (connecting included, while a call waits for
   * it). Past it the call rejects with a `TimeoutError` naming the command, so an operator's tool
   * answers within seconds while Redis is away. A write that timed out may still take effect when
   * Redis answers later. Only this Admin's commands are timed: producers and consumers arm no
   * per-command timer. @default 2000
   */
  commandTimeoutMs?: number;
}

/** Which dead letters an operation applies to: some IDs, or all. */
export interface DeadLetterSelection {
  /** Dead-letter entry IDs (as listed by {@link Admin.deadLetters}). */
  ids?: string[];
  /** Every dead letter of the stream. */
  all?: boolean;
}

/** The option names of {@link Admin} and of its methods' option bags (each checked against its type). */
export const ADMIN_OPTION_KEYS = optionKeys<AdminOptions>({ redis: true, connectTimeoutMs: true, logger: true, commandTimeoutMs: true });
/** The options a method of {@link Admin} takes last. */
type MethodOptions<M extends keyof Admin, I extends number> = NonNullable<Parameters<Admin[M]>[I]>;
export const PENDING_KEYS = optionKeys<MethodOptions<'pending', 2>>({ count: true, consumer: true, minIdleMs: true, start: true, end: true });
export const READ_KEYS = optionKeys<MethodOptions<'read', 1>>({ start: true, end: true, count: true, reverse: true });
export const DEAD_LETTERS_KEYS = optionKeys<MethodOptions<'deadLetters', 1>>({ count: true, start: true, end: true, reverse: true });
export const SELECTION_KEYS = optionKeys<DeadLetterSelection>({ ids: true, all: true });
export const CREATE_GROUP_KEYS = optionKeys<MethodOptions<'createGroup', 2>>({ startAt: true });
export const TRIM_KEYS = optionKeys<MethodOptions<'trim', 1>>({ maxLen: true, minId: true, safe: true });
export const DELETE_CONSUMER_KEYS = optionKeys<MethodOptions<'deleteConsumer', 3>>({ force: true });
export const PRUNE_KEYS = optionKeys<MethodOptions<'pruneConsumers', 2>>({ idleMs: true });
export const DELAYED_KEYS = optionKeys<MethodOptions<'delayed', 1>>({ offset: true, count: true });
export const SEARCH_KEYS = optionKeys<MethodOptions<'searchDeadLetters', 1>>({ reason: true, originalId: true, group: true, count: true, before: true, scanLimit: true });
export const DEAD_LETTER_ENTRY_KEYS = optionKeys<MethodOptions<'deadLetterEntry', 3>>({ reason: true });
export const PAUSE_KEYS = optionKeys<MethodOptions<'pause', 2>>({ forMs: true });
export const RATE_STATE_KEYS = optionKeys<MethodOptions<'rateLimitState', 2>>({ top: true });

export const RANGE_SPECIAL = ['-', '+'];

/**
 * Checks a name an Admin method only reads: any non-empty string. Names of keys, groups and
 * consumers come back from Redis (SCAN, XINFO) and are data, whatever they contain (control
 * characters, 5,000 characters…): reading them must work. Names for writes get {@link expectName}.
 */
export function expectKeyName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidOptionError(`Expected \`${name}\` to be a non-empty string, got ${value === '' ? '""' : typeof value}`);
  return value;
}

/** Checks a `delayed:…` ID as `Producer.send` returns it. */
export function expectDelayedId(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('delayed:') || value.length > 200 || value.includes('\n')) {
    throw new InvalidOptionError(`Expected \`id\` to be a delayed message ID starting with "delayed:", got ${JSON.stringify(String(value)).slice(0, 80)}`);
  }
  return value;
}

/** Checks a non-empty list of at most 10,000 entry IDs. */
export function expectIds(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10_000) throw new InvalidOptionError('Expected `ids` to be an array of 1 to 10000 entry IDs');
  return value.map((id, i) => expectStreamId(`ids[${i}]`, id));
}

