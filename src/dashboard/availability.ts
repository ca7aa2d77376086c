/**
 * Whether Redis answers, as the dashboard sees it: an outage starts at the first request that
 * fails because Redis cannot be reached or does not answer in time, and ends at the first that
 * succeeds. The API reports the outage's start (`since`) so the page can say how long its data
 * has been stale.
 */

/** Error codes that mean "Redis is not answering" (not "Redis refused this request"). */
const UNAVAILABLE_CODES = new Set(['ERR_STREAMQ_CONNECTION', 'ERR_STREAMQ_TIMEOUT', 'ERR_STREAMQ_AUTH']);

/** Whether `error` says that Redis cannot be reached, did not answer in time, or refused the credentials. */
export const isUnavailable = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
};

/** Tracks the current outage, if any. */
export class RedisAvailability {
  #since: Date | null = null;

  /** When the current outage started, or `null` while Redis answers. */
  get since(): Date | null {
    return this.#since;
  }

  /** Records a failed request; the first one of an outage sets {@link RedisAvailability.since}. */
  failed(now: Date = new Date()): Date {
    this.#since ??= now;
    return this.#since;
  }

  /** Records a request Redis answered: the outage, if any, is over. */
  answered(): void {
    this.#since = null;
  }
}
