/**
 * Leases: while this consumer holds an entry (handling it, waiting for a slot or an admission
 * gate, or keeping a retry whose delay is longer than the visibility timeout), its idle time in the
 * PEL is reset every `visibilityTimeout / 3` (XCLAIM … JUSTID, which counts no delivery), so the
 * sweep of other consumers (min-idle = visibility timeout) leaves a slow but live consumer alone.
 *
 * An entry handed out by `for await` is the caller's, as JetStream's AckWait has it: it is not
 * renewed by itself ("manual"). Left unsettled for the visibility timeout since its last delivery
 * or renewal, it expires here — its slot is freed — and any consumer's sweep may deliver it again;
 * `msg.working()` renews it by hand.
 *
 * A renewal that fails (Redis unreachable) leaves the entries due, so the next tick tries again;
 * after a reconnect the consumer renews everything at once ({@link LeaseKeeper.renewAll}).
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { renewLeases } from '../scripts/index.js';

/** IDs per renew script call. */
const CHUNK = 500;

/** What the lease keeper reports to its consumer. */
export interface LeaseEvents {
  /** Entries this consumer held that another consumer now owns (or that were acknowledged elsewhere). */
  onLost(ids: string[]): void;
  onRenewed(count: number): void;
  /** Manual (iterator) entries left unsettled for the visibility timeout. */
  onExpired(ids: string[]): void;
  onError(error: Error): void;
}

/** Keeps the leases of held and parked entries. */
export class LeaseKeeper {
  readonly #connection: Connection;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #consumer: string;
  readonly #visibilityMs: number;
  /** How often leases are renewed: a third of the visibility timeout. */
  readonly intervalMs: number;
  readonly #events: LeaseEvents;
  /** Held entry ID → when its lease was last taken or renewed (auto-renewed). */
  readonly #held = new Map<string, number>();
  /** Entries handed to `for await` → when last delivered or renewed (not auto-renewed). */
  readonly #manual = new Map<string, number>();
  /** Entries whose retry is due later than the visibility timeout allows → last renewal. */
  readonly #parked = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;

  constructor(init: { connection: Connection; keys: StreamKeys; group: string; consumer: string; visibilityMs: number; events: LeaseEvents }) {
    this.#connection = init.connection;
    this.#keys = init.keys;
    this.#group = init.group;
    this.#consumer = init.consumer;
    this.#visibilityMs = init.visibilityMs;
    this.intervalMs = Math.max(20, Math.floor(init.visibilityMs / 3));
    this.#events = init.events;
  }

  /** Starts the renewal timer. */
  start(): void {
    this.#timer = setInterval(() => void this.#tick(), this.intervalMs);
    this.#timer.unref();
  }

  /** Tracks an entry just delivered to this consumer (`now`: the batch's delivery time). */
  hold(id: string, now: number): void {
    this.#held.set(id, now);
    this.#parked.delete(id);
    this.#manual.delete(id);
  }

  /** From now on, `id` is the caller's (handed out by the iterator): no automatic renewal. */
  toManual(id: string): void {
    const since = this.#held.get(id);
    if (since === undefined) return;
    this.#held.delete(id);
    this.#manual.set(id, since);
  }

  /** Stops tracking an entry (settled). */
  release(id: string): void {
    if (!this.#held.delete(id)) this.#manual.delete(id);
  }

  /**
   * Whether this consumer holds `id` now. A manual entry left unsettled for the visibility
   * timeout is expired here (reported through `onExpired`) and no longer held.
   */
  holds(id: string, now = Date.now()): boolean {
    if (this.#held.has(id)) return true;
    const since = this.#manual.get(id);
    if (since === undefined) return false;
    if (now - since < this.#visibilityMs) return true;
    this.#manual.delete(id);
    this.#events.onExpired([id]);
    return false;
  }

  /** IDs held now (auto-renewed and manual). */
  heldIds(): string[] {
    return [...this.#held.keys(), ...this.#manual.keys()];
  }

  /** Keeps an entry whose retry is due later than the visibility timeout, renewed until it is claimed back. */
  park(id: string): void {
    this.#parked.set(id, Date.now());
  }

  /** Renews the given entries now (msg.working()); returns the IDs this consumer no longer owns. */
  async renewNow(ids: string[]): Promise<string[]> {
    const now = Date.now();
    const lost = await this.#renew(ids);
    const lostSet = new Set(lost);
    for (const id of ids) {
      if (lostSet.has(id)) continue;
      if (this.#held.has(id)) this.#held.set(id, now);
      else this.#manual.set(id, now);
    }
    return lost;
  }

  /** Renews every held and parked lease at once (after a reconnect: the outage let them run down); whether it went through. */
  renewAll(): Promise<boolean> {
    return this.#renewDue(Infinity);
  }

  async #tick(): Promise<void> {
    this.#expireManual(Date.now());
    // Half an interval: an entry held just after a tick is renewed at the next one, so its idle
    // time stays near a third of the visibility timeout (not two thirds) even when ticks run late.
    await this.#renewDue(this.intervalMs / 2);
  }

  #expireManual(now: number): void {
    const expired: string[] = [];
    for (const [id, since] of this.#manual) if (now - since >= this.#visibilityMs) expired.push(id);
    for (const id of expired) this.#manual.delete(id);
    if (expired.length > 0) this.#events.onExpired(expired);
  }

  /** Renews held and parked entries last renewed at least `ageMs` ago; whether it went through. */
  async #renewDue(ageMs: number): Promise<boolean> {
    if (this.#ticking) return false;
    this.#ticking = true;
    try {
      const now = Date.now();
      const due: string[] = [];
      for (const [id, since] of this.#held) if (ageMs === Infinity || now - since >= ageMs) due.push(id);
      for (const [id, since] of this.#parked) if (ageMs === Infinity || now - since >= ageMs) due.push(id);
      await this.#renew(due);
      // Only renewals that went through move the clock: a failed one is tried again next tick.
      for (const id of due) {
        if (this.#held.has(id)) this.#held.set(id, now);
        else if (this.#parked.has(id)) this.#parked.set(id, now);
      }
      return true;
    } catch (error) {
      this.#events.onError(error as Error);
      return false;
    } finally {
      this.#ticking = false;
    }
  }

  async #renew(ids: string[]): Promise<string[]> {
    const allLost: string[] = [];
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      const lost = (await renewLeases(this.#connection, this.#keys, this.#group, this.#consumer, chunk)).map(String);
      this.#events.onRenewed(chunk.length - lost.length);
      if (lost.length > 0) {
        // Another consumer owns them now: stop renewing (a running handler still settles its message).
        for (const id of lost) {
          this.#held.delete(id);
          this.#manual.delete(id);
          this.#parked.delete(id);
        }
        this.#events.onLost(lost);
        allLost.push(...lost);
      }
    }
    return allLost;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
