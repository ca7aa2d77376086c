/**
 * Taking entries back, on one timer and one single-flight loop:
 *
 * - **due retries**: a failed entry stays in this consumer's PEL; when its retry delay has passed,
 *   `claim-own.lua` takes it back (if this consumer still owns it), counting a delivery. Every
 *   retry has its own due time in a {@link DueSet}; the timer is always armed for the earliest, so
 *   no due time is ever dropped because another one is armed.
 * - **the sweep**: XAUTOCLAIM with min-idle = visibility timeout takes over entries another
 *   consumer (crashed, or cut off) left idle. It follows the cursor until `0-0`, claims no more
 *   than free slots, and reports entries deleted while pending. Under a persistent error it backs
 *   off exponentially (capped), and after this consumer's connection comes back from an outage it
 *   holds off for a while, so that live consumers renew their leases before anyone takes over.
 *
 * Both run in the same loop, so the sweep never claims an entry while a due-claim of it is in
 * flight (which would count two deliveries).
 */
import type { Connection } from '../connection.js';
import { parseXautoclaim, xautoclaimArgs } from '../commands/xautoclaim.js';
import type { RawEntry } from '../commands/replies.js';
import type { StreamKeys } from '../keys.js';
import { claimOwn } from '../scripts/index.js';
import type { Capacity } from './capacity.js';
import { DueSet } from './due-set.js';

/** Most entries claimed per XAUTOCLAIM call. */
const PAGE = 100;
/** Most due retries taken back per script call. */
const DUE_CHUNK = 200;
/** Longest pause between sweeps while they keep failing. */
const MAX_SWEEP_BACKOFF_MS = 60_000;
/** Wait before trying due retries again after a failed claim. */
const DUE_RETRY_MS = 200;

/** What a claim found: the entries and, when known, Redis's delivery counter of each. */
export interface ClaimedBatch {
  entries: RawEntry[];
  /** Known counters (due retries); `undefined`: look them up. */
  deliveries?: Map<string, number>;
  /** `retry`: this consumer's own due retries; `reclaimed`: taken over from another consumer. */
  origin: 'retry' | 'reclaimed';
}

/** What the loop needs from its consumer. */
export interface ReclaimerHost {
  readonly keys: StreamKeys;
  readonly group: string;
  readonly consumer: string;
  readonly visibilityTimeoutMs: number;
  readonly intervalMs: number;
  readonly capacity: Capacity;
  readonly connection: Connection;
  /** Handles claimed entries; `reserved` slots were taken for them. */
  deliverClaimed(batch: ClaimedBatch, reserved: number): Promise<void>;
  /** Handles IDs found deleted while pending. */
  onDeleted(ids: string[]): void;
  /** Whether this consumer holds `id` now (a sweep delivered a due retry already). */
  holds(id: string): boolean;
  onError(error: Error): void;
  stopping(): boolean;
}

/** Runs due-retry claims and the periodic sweep. */
export class Reclaimer {
  readonly #host: ReclaimerHost;
  readonly #due = new DueSet();
  #cursor = '0-0';
  #nextSweepAt = 0;
  #holdOffUntil = 0;
  #sweepFailures = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #running: Promise<void> | undefined;

  constructor(host: ReclaimerHost) {
    this.#host = host;
  }

  /** Starts the loop (the first sweep at once). */
  start(): void {
    this.#nextSweepAt = Date.now();
    this.#arm();
  }

  /** Takes `id` back when `dueMs` has come (never earlier). */
  retryAt(id: string, dueMs: number): void {
    this.#due.add(id, dueMs);
    this.#arm();
  }

  /** Forgets a due retry (delivered meanwhile, or no longer this consumer's). */
  forget(id: string): void {
    this.#due.delete(id);
  }

  /**
   * No sweep before `ms` from now: after an outage, PEL idle times include the time leases could
   * not be renewed, and a sweep now would take over entries of consumers that are alive.
   */
  holdOff(ms: number): void {
    this.#holdOffUntil = Date.now() + ms;
    this.#rearm();
  }

  #sweepAt(): number {
    return Math.max(this.#nextSweepAt, this.#holdOffUntil);
  }

  #arm(): void {
    if (this.#host.stopping() || this.#running !== undefined) return;
    const at = Math.min(this.#sweepAt(), this.#due.earliest() ?? Infinity);
    if (at === Infinity || at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - Date.now()));
    this.#timer.unref();
  }

  /** Re-arms from scratch (when the next time moved later). */
  #rearm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#arm();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#running !== undefined || this.#host.stopping()) return;
    this.#running = this.#runOnce().finally(() => {
      this.#running = undefined;
      this.#arm();
    });
  }

  async #runOnce(): Promise<void> {
    await this.#claimDue();
    // A sweep issued while disconnected would wait in node-redis's offline queue and run the moment
    // the connection is back, before live consumers renewed their leases: skip it (the reconnect
    // then holds sweeps off, see holdOff).
    if (!this.#host.connection.isReady) {
      this.#nextSweepAt = Date.now() + this.#host.intervalMs;
      return;
    }
    if (Date.now() >= this.#sweepAt() && !this.#host.stopping()) {
      const ok = await this.sweep();
      this.#sweepFailures = ok ? 0 : this.#sweepFailures + 1;
      const pause = ok ? this.#host.intervalMs : Math.min(MAX_SWEEP_BACKOFF_MS, this.#host.intervalMs * 2 ** this.#sweepFailures);
      this.#nextSweepAt = Date.now() + pause;
    }
  }

  /** Takes back every retry due by now, in chunks. */
  async #claimDue(): Promise<void> {
    const host = this.#host;
    for (;;) {
      if (host.stopping()) return;
      const now = Date.now();
      // A sweep may have delivered a due retry already: it is held, not claimed again.
      const ids = this.#due.takeDue(now, DUE_CHUNK).filter((id) => !host.holds(id));
      if (ids.length === 0) return;
      // Due retries take their slots even past the limit: they must not wait behind a backlog.
      host.capacity.take(ids.length);
      let result;
      try {
        result = await claimOwn(host.connection, host.keys, host.group, host.consumer, ids);
      } catch (error) {
        host.capacity.release(ids.length);
        for (const id of ids) this.#due.add(id, now + DUE_RETRY_MS);
        if (!host.stopping()) host.onError(error as Error);
        return;
      }
      host.capacity.release(ids.length - result.claimed.length);
      if (result.gone.length > 0) host.onDeleted(result.gone);
      if (result.claimed.length > 0) {
        const deliveries = new Map(result.claimed.map((c) => [c.id, c.deliveries]));
        await host.deliverClaimed({ entries: result.claimed.map((c) => ({ id: c.id, fields: c.fields })), deliveries, origin: 'retry' }, result.claimed.length);
      }
    }
  }

  /** One sweep: claim idle entries page by page until the cursor wraps or slots run out. Resolves false on an error. */
  async sweep(): Promise<boolean> {
    const host = this.#host;
    let forced = false;
    try {
      while (!host.stopping()) {
        // A busy consumer has no free slot, yet a dead consumer's entries must not wait for a
        // backlog to drain: once per sweep, the sweep may claim up to the limit again (the read
        // loop then waits until the consumer is back under its limit; the claimed entries are
        // handled first).
        let reserved = host.capacity.reserve(PAGE);
        if (reserved === 0) {
          if (forced) return true;
          forced = true;
          reserved = Math.min(PAGE, host.capacity.limit);
          host.capacity.take(reserved);
        }
        let page;
        try {
          page = parseXautoclaim(await host.connection.send(host.keys.stream,
            xautoclaimArgs(host.keys.stream, host.group, host.consumer, host.visibilityTimeoutMs, this.#cursor, reserved)));
        } catch (error) {
          host.capacity.release(reserved);
          throw error;
        }
        if (page.deleted.length > 0) {
          for (const id of page.deleted) this.#due.delete(id);
          host.onDeleted(page.deleted);
        }
        await this.#deliverSwept(page.claimed, reserved);
        this.#cursor = page.next;
        if (this.#cursor === '0-0') return true;
      }
      return true;
    } catch (error) {
      this.#cursor = '0-0';
      if (!host.stopping() && !/NOGROUP/.test((error as Error).message)) host.onError(error as Error);
      return false;
    }
  }

  /** Splits a sweep's page into this consumer's own due retries and entries taken over from others. */
  async #deliverSwept(entries: RawEntry[], reserved: number): Promise<void> {
    const retries = entries.filter((entry) => this.#due.delete(entry.id));
    const retried = new Set(retries);
    const reclaimed = retries.length === 0 ? entries : entries.filter((entry) => !retried.has(entry));
    if (retries.length > 0) await this.#host.deliverClaimed({ entries: retries, origin: 'retry' }, retries.length);
    await this.#host.deliverClaimed({ entries: reclaimed, origin: 'reclaimed' }, reserved - retries.length);
  }

  /** Stops the timer and waits for a run under way. Due retries stay in the PEL for others. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    await this.#running;
  }
}
