/**
 * The reclaim sweep: XAUTOCLAIM with min-idle = visibility timeout takes over entries that
 * another consumer (crashed, or cut off) left idle, and this consumer's own failed entries once
 * their retry delay has passed. It follows the cursor until `0-0`, claims no more than free
 * slots, and reports entries deleted while pending so they are acknowledged and counted.
 */
import type { Connection } from '../connection.js';
import { parseXautoclaim, xautoclaimArgs } from '../commands/xautoclaim.js';
import type { RawEntry } from '../commands/replies.js';
import type { Capacity } from './capacity.js';

/** Most entries claimed per XAUTOCLAIM call. */
const PAGE = 100;

/** What the sweep needs from its consumer. */
export interface ReclaimerHost {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly visibilityTimeoutMs: number;
  readonly intervalMs: number;
  readonly capacity: Capacity;
  readonly connection: Connection;
  /** Handles claimed entries; `reserved` slots were taken for them. */
  deliverClaimed(entries: RawEntry[], reserved: number): Promise<void>;
  /** Handles IDs found deleted while pending. */
  onDeleted(ids: string[]): void;
  onError(error: Error): void;
  stopping(): boolean;
}

/** Runs the sweep every `intervalMs`, and at known retry due times. */
export class Reclaimer {
  readonly #host: ReclaimerHost;
  #cursor = '0-0';
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;
  #running: Promise<void> | undefined;

  constructor(host: ReclaimerHost) {
    this.#host = host;
  }

  /** Schedules the periodic sweep (the first one at once). */
  start(): void {
    this.wakeAt(Date.now());
  }

  /** Makes sure a sweep runs at `dueMs` or earlier (a retry becomes claimable then). */
  wakeAt(dueMs: number): void {
    if (this.#host.stopping() || dueMs >= this.#timerDue) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDue = dueMs;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, dueMs - Date.now()));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    if (this.#running === undefined) {
      this.#running = this.sweep().finally(() => { this.#running = undefined; });
    }
    this.wakeAt(Date.now() + this.#host.intervalMs);
  }

  /** One sweep: claim idle entries page by page until the cursor wraps or slots run out. */
  async sweep(): Promise<void> {
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
          if (forced) return;
          forced = true;
          reserved = Math.min(PAGE, host.capacity.limit);
          host.capacity.take(reserved);
        }
        let page;
        try {
          page = parseXautoclaim(await host.connection.send(host.stream,
            xautoclaimArgs(host.stream, host.group, host.consumer, host.visibilityTimeoutMs, this.#cursor, reserved)));
        } catch (error) {
          host.capacity.release(reserved);
          throw error;
        }
        if (page.deleted.length > 0) host.onDeleted(page.deleted);
        await host.deliverClaimed(page.claimed, reserved);
        this.#cursor = page.next;
        if (this.#cursor === '0-0') return;
      }
    } catch (error) {
      this.#cursor = '0-0';
      if (!host.stopping() && !/NOGROUP/.test((error as Error).message)) host.onError(error as Error);
    }
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
