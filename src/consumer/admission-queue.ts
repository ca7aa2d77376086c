/**
 * Messages a consumer holds and has not started yet, in the order they should start, and the
 * asking of the admission gates about them. A message the gates hold back stays here — held by
 * its consumer, its lease renewed, no delivery counted — and is asked about again when the gate
 * said, or at once when a gate's state changes. With every gate open (the usual case) messages
 * are taken without asking anyone.
 *
 * Order: by priority rank in strict mode (a higher level's message goes before lower ones queued
 * earlier), then messages that waited longest (re-read, reclaimed, retried) before new ones.
 */
import type { Admission } from '../admission/admission.js';
import type { Message } from './message.js';
import { reopen } from './message.js';

/** Queued messages and their admission. */
export class AdmissionQueue<T> {
  readonly #admission: Admission;
  /** How many more messages could start now (asking about more would only make them wait for a slot). */
  readonly #room: () => number;
  /** Some messages became admitted (or were deferred back): the runner should take them. */
  readonly #onReady: () => void;
  readonly #onError: (error: Error) => void;
  readonly #queue: Message<T>[] = [];
  readonly #rank = new Map<Message<T>, number>();
  readonly #admitted = new Set<Message<T>>();
  /** Messages held back by a gate → when to ask again. */
  readonly #notBefore = new Map<Message<T>, number>();
  /** Messages whose handler asked to run again later → their timers. */
  readonly #deferred = new Map<Message<T>, { timer: NodeJS.Timeout; rank: number }>();
  #asking = false;
  #askAgain = false;
  #wakeTimer: NodeJS.Timeout | undefined;
  #wakeAt = Infinity;

  constructor(init: { admission: Admission; room: () => number; onReady: () => void; onError: (error: Error) => void }) {
    this.#admission = init.admission;
    this.#room = init.room;
    this.#onReady = init.onReady;
    this.#onError = init.onError;
  }

  /** Messages waiting here. */
  get size(): number {
    return this.#queue.length;
  }

  /** Adds messages of `rank` (0: highest); `first`: they have waited longest and go before same-rank messages. */
  push(messages: readonly Message<T>[], rank: number, first: boolean): void {
    if (messages.length === 0) return;
    for (const message of messages) this.#rank.set(message, rank);
    // Where they go: after every message of a higher rank (or, unless first, of the same rank).
    let at = this.#queue.length;
    while (at > 0) {
      const before = this.#rank.get(this.#queue[at - 1] as Message<T>) as number;
      if (before < rank || (!first && before === rank)) break;
      at--;
    }
    if (at === this.#queue.length) for (const message of messages) this.#queue.push(message);
    else this.#queue.splice(at, 0, ...messages);
  }

  /** Takes up to `max` messages that may start now, in order (asking the gates first when they are not all open). */
  take(max: number): Message<T>[] {
    if (max <= 0 || this.#queue.length === 0) return [];
    const now = Date.now();
    if (this.#admission.isOpen(now)) {
      // The hot path: the first `max`, nobody asked.
      const taken = this.#queue.splice(0, max);
      for (const message of taken) this.#forget(message);
      return taken;
    }
    const taken = this.#remove(this.#queue.filter((m) => this.#admitted.has(m)).slice(0, max));
    this.#ask(now);
    return taken;
  }

  #remove(messages: Message<T>[]): Message<T>[] {
    if (messages.length === 0) return messages;
    const set = new Set(messages);
    let kept = 0;
    for (const message of this.#queue) if (!set.has(message)) this.#queue[kept++] = message;
    this.#queue.length = kept;
    for (const message of messages) this.#forget(message);
    return messages;
  }

  #forget(message: Message<T>): void {
    this.#admitted.delete(message);
    this.#notBefore.delete(message);
    this.#rank.delete(message);
  }

  /** Asks the gates about the queued messages that may be asked now, one round at a time. */
  #ask(now: number): void {
    if (this.#asking) {
      this.#askAgain = true;
      return;
    }
    const room = this.#room() - this.#admitted.size;
    const asked: Message<T>[] = [];
    let wakeAt = Infinity;
    for (const message of this.#queue) {
      if (asked.length >= room) break;
      if (this.#admitted.has(message)) continue;
      const notBefore = this.#notBefore.get(message);
      if (notBefore !== undefined && notBefore > now) wakeAt = Math.min(wakeAt, notBefore);
      else asked.push(message);
    }
    this.#wakeAtTime(wakeAt);
    if (asked.length === 0) return;
    this.#asking = true;
    this.#admission.decide(asked, now).then((decisions) => {
      let admitted = 0;
      decisions.forEach((decision, i) => {
        const message = asked[i] as Message<T>;
        if (!this.#rank.has(message)) return; // taken away meanwhile (closing)
        if (decision === true) {
          this.#admitted.add(message);
          this.#notBefore.delete(message);
          admitted++;
        } else {
          this.#notBefore.set(message, decision);
        }
      });
      if (admitted === 0) this.#wakeAtTime(Math.min(...this.#notBefore.values(), Infinity));
    }, (error: Error) => {
      this.#onError(error);
      for (const message of asked) this.#notBefore.set(message, Date.now() + 1_000);
      this.#wakeAtTime(Date.now() + 1_000);
    }).finally(() => {
      this.#asking = false;
      const again = this.#askAgain;
      this.#askAgain = false;
      if (again) this.#ask(Date.now());
      this.#onReady();
    });
  }

  /** Makes sure the gates are asked again at `at` (or earlier). */
  #wakeAtTime(at: number): void {
    if (at === Infinity || at >= this.#wakeAt) return;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = Infinity;
      this.#onReady();
    }, Math.max(0, at - Date.now()));
    this.#wakeTimer.unref();
  }

  /** A gate's state changed (resumed, a slot freed): ask about held-back messages at once. */
  recheck(): void {
    this.#notBefore.clear();
    this.#onReady();
  }

  /** A message whose handler asked to run again after `delayMs` (`msg.retryAfter`): back here then, first in its rank. */
  defer(message: Message<T>, rank: number, delayMs: number): void {
    this.#admission.release(message as Message<unknown>);
    const timer = setTimeout(() => {
      this.#deferred.delete(message);
      message[reopen]();
      this.push([message], rank, true);
      this.#onReady();
    }, delayMs);
    this.#deferred.set(message, { timer, rank });
  }

  /** Removes everything (closing): the messages stay pending in Redis for other consumers. */
  takeAll(): Message<T>[] {
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    for (const { timer } of this.#deferred.values()) clearTimeout(timer);
    const deferred = [...this.#deferred.keys()];
    this.#deferred.clear();
    return [...this.#remove([...this.#queue]), ...deferred];
  }
}
