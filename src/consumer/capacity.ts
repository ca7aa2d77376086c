/**
 * Flow control: a consumer never holds more than `limit` entries (concurrency + prefetch) being
 * handled or waiting to be. Readers reserve slots before asking Redis for entries (COUNT =
 * reserved), so the limit holds even while the reader and the reclaim sweep both fetch.
 *
 * A handled message frees its slot at once, so the next read overlaps the ack's round trip; but
 * its entry stays in the PEL until Redis confirms the ack. Up to `limit` such unconfirmed acks
 * are free; beyond that each one takes a slot, so a consumer whose acks cannot land (a cut
 * connection) stops reading with at most 2 × limit entries in the PEL, instead of reading on.
 */
export class Capacity {
  readonly limit: number;
  #used = 0;
  /** Acks sent (or queued) for handled messages and not yet confirmed by Redis. */
  #unconfirmed = 0;
  #waiters: (() => void)[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Slots held (entries delivered and not settled, plus reservations). */
  get used(): number {
    return this.#used;
  }

  /** Free slots now. */
  get free(): number {
    return this.limit - this.#used - Math.max(0, this.#unconfirmed - this.limit);
  }

  /** A handled message's ack is on its way: its slot is free, its entry still in the PEL. */
  ackSent(count = 1): void {
    this.#unconfirmed += count;
  }

  /** Redis confirmed `count` acks sent with {@link Capacity.ackSent}. */
  ackConfirmed(count: number): void {
    this.#unconfirmed = Math.max(0, this.#unconfirmed - count);
    this.#wakeIfFree();
  }

  /** Reserves up to `max` free slots; returns how many (possibly 0). */
  reserve(max: number): number {
    const taken = Math.max(0, Math.min(max, this.free));
    this.#used += taken;
    return taken;
  }

  /**
   * Takes `count` slots whether free or not: for the entries a read returned, whose COUNT was the
   * free room when it was issued, and for one reclaim page per sweep on a full consumer (so a dead
   * consumer's entries are not left waiting for a backlog to drain). While taking over entries
   * left idle, a consumer may thus hold up to twice its limit; it reads nothing new meanwhile.
   */
  take(count: number): void {
    this.#used += count;
  }

  /** Gives back `count` slots. */
  release(count = 1): void {
    this.#used -= count;
    if (this.#used < 0) this.#used = 0;
    this.#wakeIfFree();
  }

  #wakeIfFree(): void {
    if (this.#waiters.length > 0 && this.free > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves once at least `min` slots are free, or `stop()` turns true after a `wake()`. */
  async waitForFree(min: number, stop: () => boolean): Promise<void> {
    while (this.free < Math.min(min, this.limit) && !stop()) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Wakes every waiter (used when closing). */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
