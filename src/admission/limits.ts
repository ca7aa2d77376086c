/**
 * The options of the admission gates that limit work — `rateLimit`, `groupBy` with
 * `perKeyConcurrency`, `limitScope` — with their documentation and validation. Consumer options
 * (src/consumer/options.ts) call these.
 */
import type { Message } from '../consumer/message.js';
import { InvalidOptionError } from '../errors.js';
import { describeValue, expectFunction, expectInteger, expectOptions, optionKeys } from '../validate.js';

/**
 * A message's key for per-key limits (a tenant, a customer, an API account): messages with the
 * same key share a budget. `undefined` or `''`: the message has no key and is not limited per key
 * (only by the group's limits). A number is used as its decimal string.
 */
export type MessageKey<T> = (message: Message<T>) => string | number | undefined;

/**
 * A rate limit: at most `max` handler starts in any window of `perMs` milliseconds, shared by every
 * consumer of the group in every process (one budget in Redis). With `key`, each key has a budget
 * of its own.
 */
export interface RateLimit<T = unknown> {
  /** Handler starts allowed per window (an integer from 1). */
  max: number;
  /** The window, in milliseconds (an integer from 1). */
  perMs: number;
  /** Gives each key its own budget (see {@link MessageKey}). Without it, the budget is the group's. */
  key?: MessageKey<T>;
}

/** Rate limits after validation: the group's and the per-key one, each optional. */
export interface ResolvedRateLimits<T> {
  group: { max: number; perMs: number } | undefined;
  key: { max: number; perMs: number; key: MessageKey<T> } | undefined;
}

const RATE_LIMIT_KEYS = optionKeys<RateLimit>({ max: true, perMs: true, key: true });

/** Checks one limit; `path` names it in messages (`rateLimit`, `rateLimit[1]`). */
function resolveOne<T>(path: string, value: unknown): RateLimit<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected \`${path}\` to be an object like { max: 100, perMs: 1000 }, got ${describeValue(value)}`);
  }
  const limit = expectOptions(path, value as RateLimit<T>, RATE_LIMIT_KEYS);
  return {
    max: expectInteger(`${path}.max`, limit.max, 1),
    perMs: expectInteger(`${path}.perMs`, limit.perMs, 1, 365 * 86_400_000),
    ...(limit.key === undefined ? {} : { key: expectFunction<MessageKey<T>>(`${path}.key`, limit.key) }),
  };
}

/**
 * Checks `rateLimit`: one limit, or an array of at most one group limit and one per-key limit
 * (a message then needs room in both).
 */
export function resolveRateLimits<T>(value: unknown): ResolvedRateLimits<T> | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value.map((item, i) => resolveOne<T>(`rateLimit[${i}]`, item)) : [resolveOne<T>('rateLimit', value)];
  const groups = list.filter((limit) => limit.key === undefined);
  const keyed = list.filter((limit) => limit.key !== undefined);
  if (list.length === 0 || groups.length > 1 || keyed.length > 1) {
    throw new InvalidOptionError(`Expected \`rateLimit\` to hold one group limit and/or one per-key limit (with \`key\`), got ${groups.length} group and ${keyed.length} per-key limits`);
  }
  const group = groups[0];
  const key = keyed[0];
  return {
    group: group === undefined ? undefined : { max: group.max, perMs: group.perMs },
    key: key === undefined ? undefined : { max: key.max, perMs: key.perMs, key: key.key as MessageKey<T> },
  };
}

/** Checks `groupBy` and `perKeyConcurrency` together: a limit needs a key to group by. */
export function resolveKeyConcurrency<T>(groupBy: unknown, perKeyConcurrency: unknown): { groupBy: MessageKey<T> | undefined; perKeyConcurrency: number } {
  if (groupBy === undefined) {
    if (perKeyConcurrency !== undefined) {
      throw new InvalidOptionError('Expected `groupBy` with `perKeyConcurrency` (which key do messages share a limit by?), got none');
    }
    return { groupBy: undefined, perKeyConcurrency: 1 };
  }
  return {
    groupBy: expectFunction<MessageKey<T>>('groupBy', groupBy),
    perKeyConcurrency: perKeyConcurrency === undefined ? 1 : expectInteger('perKeyConcurrency', perKeyConcurrency, 1, 1_000_000),
  };
}

/**
 * A message's key as the gates use it: `undefined` for none (`undefined`, `''`); a function that
 * throws or returns something else is reported through `onError` and the message has no key (it
 * still runs, limited by the group's limits only).
 */
export function keyOf<T>(fn: MessageKey<T>, message: Message<T>, option: string, onError: (error: Error) => void): string | undefined {
  let key: unknown;
  try {
    key = fn(message);
  } catch (error) {
    onError(new InvalidOptionError(`\`${option}\` threw for message ${message.id}: it runs without a key`, { cause: error }));
    return undefined;
  }
  if (key === undefined || key === '') return undefined;
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  onError(new InvalidOptionError(`Expected \`${option}\` to return a string, a number or undefined, got ${describeValue(key)} for message ${message.id}: it runs without a key`));
  return undefined;
}
