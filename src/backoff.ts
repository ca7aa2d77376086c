/**
 * Retry delay policies: pure functions from the delivery attempt (1 = first delivery failed) to
 * a delay in milliseconds. Defaults sit beside the policy that uses them.
 */
import { expectOptions, optionalNumber, optionKeys } from './validate.js';

/** Gives the delay before the next delivery after attempt `attempt` failed with `error`. */
export type BackoffPolicy = (attempt: number, error: unknown) => number;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failure. @default 500 */
  initialMs?: number;
  /** Growth per attempt. @default 2 */
  multiplier?: number;
  /** Upper bound of any delay. @default 60000 */
  maxMs?: number;
  /** Random share taken off each delay (0: none, 1: anywhere from 0 to the full delay), so retries of many messages spread out. @default 0.2 */
  jitter?: number;
}

/** Defaults of {@link exponentialBackoff}. */
export const EXPONENTIAL_BACKOFF_DEFAULTS = { initialMs: 500, multiplier: 2, maxMs: 60_000, jitter: 0.2 } as const;

const EXPONENTIAL_BACKOFF_KEYS = optionKeys<ExponentialBackoffOptions>({ initialMs: true, multiplier: true, maxMs: true, jitter: true });

/** Exponential backoff with jitter: `min(maxMs, initialMs · multiplier^(attempt-1))`, less up to `jitter` of it. */
export function exponentialBackoff(input: ExponentialBackoffOptions = {}, random: () => number = Math.random): BackoffPolicy {
  const options = expectOptions('backoff', input, EXPONENTIAL_BACKOFF_KEYS);
  const initialMs = optionalNumber('backoff.initialMs', options.initialMs, EXPONENTIAL_BACKOFF_DEFAULTS.initialMs, 0);
  const multiplier = optionalNumber('backoff.multiplier', options.multiplier, EXPONENTIAL_BACKOFF_DEFAULTS.multiplier, 1);
  const maxMs = optionalNumber('backoff.maxMs', options.maxMs, EXPONENTIAL_BACKOFF_DEFAULTS.maxMs, 0);
  const jitter = optionalNumber('backoff.jitter', options.jitter, EXPONENTIAL_BACKOFF_DEFAULTS.jitter, 0);
  const share = Math.min(1, jitter);
  return (attempt) => {
    const exponent = Math.max(0, Math.min(attempt - 1, 64));
    const delay = Math.min(maxMs, initialMs * multiplier ** exponent);
    return Math.round(delay * (1 - share * random()));
  };
}

/** The same delay after every failure. */
export function fixedBackoff(delayMs: number): BackoffPolicy {
  const delay = optionalNumber('backoff delayMs', delayMs, 0, 0);
  return () => delay;
}
