/**
 * Leases: while this consumer holds an entry (handling it, or waiting for a slot to handle it),
 * its idle time in the PEL is reset every `visibilityTimeout / 3`, so the reclaim sweep of other
 * consumers (min-idle = visibility timeout) leaves a slow but live consumer alone. Entries whose
 * retry delay is longer than the visibility timeout are kept ("parked") the same way until due,
 * then handed to the reclaim sweep with the right idle time.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { renewLeases } from '../scripts/index.js';

/** IDs per renew script call. */
const CHUNK = 500;

/** Keeps the leases of held and parked entries. */
export class LeaseKeeper {
  readonly #connection: Connection;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #consumer: string;
  readonly #visibilityMs: number;
  readonly #intervalMs: number;
  readonly #onLost: (ids: string[]) => void;
  readonly #onRenewed: (count: number) => void;
  readonly #onError: (error: Error) => void;
  /** Held entry ID → when its lease was last taken or renewed. */
  readonly #held = new Map<string, number>();
  /** Parked entry ID → when its retry is due. */
  readonly #parked = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(init: {
    connection: Connection; keys: StreamKeys; group: string; consumer: string; visibilityMs: number;
    onLost: (ids: string[]) => void; onRenewed: (count: number) => void; onError: (error: Error) => void;
  }) {
    this.#connection = init.connection;
    this.#keys = init.keys;
    this.#group = init.group;
    this.#consumer = init.consumer;
    this.#visibilityMs = init.visibilityMs;
    this.#intervalMs = Math.max(20, Math.floor(init.visibilityMs / 3));
    this.#onLost = init.onLost;
    this.#onRenewed = init.onRenewed;
    this.#onError = init.onError;
  }

  /** Starts the renewal timer. */
  start(): void {
    this.#timer = setInterval(() => void this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Tracks an entry just delivered to this consumer (`now`: the batch's delivery time). */
  hold(id: string, now: number): void {
    this.#held.set(id, now);
  }

  /** Stops tracking an entry (settled). */
  release(id: string): void {
    this.#held.delete(id);
  }

  /** Whether this consumer holds `id` now. */
  holds(id: string): boolean {
    return this.#held.has(id);
  }

  /** IDs held now. */
  heldIds(): string[] {
    return [...this.#held.keys()];
  }

  /** Keeps an entry whose retry is due at `dueMs`, later than the visibility timeout allows. */
  park(id: string, dueMs: number): void {
    this.#parked.set(id, dueMs);
  }

  /** Renews the given entries now (msg.working()). */
  async renewNow(ids: string[]): Promise<void> {
    const now = Date.now();
    for (const id of ids) if (this.#held.has(id)) this.#held.set(id, now);
    await this.#renew(ids);
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const now = Date.now();
      const due: string[] = [];
      for (const [id, since] of this.#held) {
        if (now - since >= this.#intervalMs) {
          due.push(id);
          this.#held.set(id, now);
        }
      }
      await this.#renew(due);
      await this.#tickParked(now);
    } catch (error) {
      this.#onError(error as Error);
    } finally {
      this.#ticking = false;
    }
  }

  async #tickParked(now: number): Promise<void> {
    const keep: string[] = [];
    for (const [id, dueMs] of this.#parked) {
      const remaining = dueMs - now;
      if (remaining > this.#visibilityMs - this.#intervalMs) {
        keep.push(id);
        continue;
      }
      // Close enough: set the idle time so the reclaim sweep takes it when due.
      this.#parked.delete(id);
      const idle = Math.max(0, this.#visibilityMs - Math.max(0, remaining));
      await this.#connection.send(this.#keys.stream, ['XCLAIM', this.#keys.stream, this.#group, this.#consumer, '0', id, 'IDLE', String(idle), 'JUSTID']);
    }
    await this.#renew(keep);
  }

  async #renew(ids: string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      const lost = await renewLeases(this.#connection, this.#keys, this.#group, this.#consumer, chunk);
      this.#onRenewed(chunk.length - lost.length);
      if (lost.length > 0) {
        for (const id of lost) this.#parked.delete(id);
        this.#onLost(lost.map(String));
      }
    }
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
