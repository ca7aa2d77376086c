/**
 * Delayed messages wait in a sorted set in the stream's slot and are moved into the stream by
 * `promote-delayed.lua` when due — by whichever producer or consumer gets there first, so no
 * single scheduler process can be lost. A promoter sleeps until the next due time it knows of,
 * and polls at `pollMs` to learn of messages scheduled by other processes.
 */
import type { Connection } from './connection.js';
import type { StreamKeys } from './keys.js';
import { promoteDelayed } from './scripts/index.js';
import { toStreamqError } from './redis-errors.js';

/** Messages moved per script call, so one call never blocks Redis for long. */
const PROMOTE_LIMIT = 1000;

/** Moves due delayed messages of one stream into it. */
export class DelayedPromoter {
  readonly #connection: Connection;
  readonly #keys: StreamKeys;
  readonly #onError: (error: Error) => void;
  readonly #pollMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;
  #running = false;
  #stopped = false;

  /** `pollMs` undefined: only wake at due times made known through {@link wakeAt}. */
  constructor(connection: Connection, keys: StreamKeys, onError: (error: Error) => void, pollMs?: number) {
    this.#connection = connection;
    this.#keys = keys;
    this.#onError = onError;
    this.#pollMs = pollMs;
    if (pollMs !== undefined) this.wakeAt(Date.now() + pollMs);
  }

  /** Makes sure a promotion runs at `dueMs` (or earlier). */
  wakeAt(dueMs: number): void {
    if (this.#stopped || dueMs >= this.#timerDue) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDue = dueMs;
    this.#timer = setTimeout(() => void this.#run(), Math.max(0, dueMs - Date.now()));
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    if (this.#stopped || this.#running) return;
    this.#running = true;
    let next: number | null = null;
    try {
      let result;
      do {
        result = await promoteDelayed(this.#connection, this.#keys, PROMOTE_LIMIT);
      } while (result.moved === PROMOTE_LIMIT && !this.#stopped);
      next = result.nextDueMs;
    } catch (error) {
      this.#onError(toStreamqError(error, 'promote delayed messages', 'redis'));
      next = Date.now() + 1000;
    } finally {
      this.#running = false;
    }
    if (next !== null) this.wakeAt(next);
    if (this.#pollMs !== undefined) this.wakeAt(Date.now() + this.#pollMs);
  }

  /** Stops the timers. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
