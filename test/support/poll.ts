/**
 * Polling with a deadline: the only sanctioned way for tests and helpers to wait for a condition.
 *
 * @module
 */
import { AssertionError } from 'node:assert';
import { setTimeout as delay } from 'node:timers/promises';

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds (default 10 000). */
  deadlineMs?: number;
  /** Pause between attempts in milliseconds (default 50). */
  intervalMs?: number;
  /** What is being waited for; used in the timeout error message. */
  description?: string;
  /** Aborts the wait early (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Error thrown by {@link waitFor} when the deadline passes. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** Describes the last failure of a probe for the timeout message. */
function describeLast(lastError: unknown): string {
  if (lastError === undefined) return '';
  const text = lastError instanceof Error ? lastError.message : String(lastError);
  return ` (last error: ${text})`;
}

/**
 * Calls `probe` until it returns something other than `undefined`/`false`, and resolves with that
 * value. Each attempt runs to completion before the next one starts.
 *
 * A probe that throws counts as "not yet" (a file not written yet, a connection still refused);
 * the last such error is reported if the deadline passes. An `AssertionError` (node:assert) is the
 * exception: it is rethrown at once, never retried — an assertion that failed once proves the
 * behaviour broken even if a later attempt would pass, so retrying would hide it.
 *
 * Probes should still not assert: collect observations inside the probe (the largest idle time
 * seen, every owner seen) and assert on them after `waitFor` returns.
 *
 * @example
 * const pid = await waitFor(async () => readPidFile(), { deadlineMs: 5000, description: 'pid file' });
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const { deadlineMs = 10_000, intervalMs = 50, description = 'condition', signal } = options;
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      if (error instanceof AssertionError) throw error;
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new WaitTimeoutError(
        `Timed out after ${deadlineMs} ms waiting for ${description}${describeLast(lastError)}`,
      );
    }
    await delay(Math.min(intervalMs, remaining), undefined, signal ? { signal } : undefined);
  }
}
