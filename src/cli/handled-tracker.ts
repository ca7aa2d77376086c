import { CliError } from './exit-codes.js';

/**
 * Counts handled messages per consumer and lets the caller wait, with a deadline, until a
 * number of distinct messages has been handled (events, not sleeps).
 */
export class HandledTracker {
  private readonly seen = new Set<string>();
  private readonly perConsumer = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  /** Deliveries of a message already handled once (at-least-once duplicates). */
  redelivered = 0;

  /** Records that `consumer` handled the entry `id`. */
  record(consumer: string, id: string): void {
    if (this.seen.has(id)) this.redelivered += 1;
    else this.seen.add(id);
    this.perConsumer.set(consumer, (this.perConsumer.get(consumer) ?? 0) + 1);
    for (const wake of this.waiters) wake();
  }

  /** Distinct messages handled so far. */
  get distinct(): number {
    return this.seen.size;
  }

  /** Handled count per consumer (every delivery counts), for the names given, in that order. */
  counts(names: readonly string[]): Record<string, number> {
    return Object.fromEntries(names.map((name) => [name, this.perConsumer.get(name) ?? 0]));
  }

  /**
   * Resolves once `n` distinct messages were handled.
   * @throws CliError when `deadlineMs` passes first, or when `signal` aborts.
   */
  waitFor(n: number, deadlineMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (this.seen.size >= n) finish();
      };
      const onAbort = (): void => finish(new CliError('interrupted'));
      const timer = setTimeout(
        () => finish(new CliError(`only ${this.seen.size} of ${n} messages were handled within ${deadlineMs} ms`)),
        deadlineMs,
      );
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      check();
    });
  }
}
