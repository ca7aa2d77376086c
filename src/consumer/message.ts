/**
 * A delivered message and its verbs. With a `handler`, streamq settles it for you (ack when the
 * handler resolves, retry when it throws); in `for await` mode you call `ack()`, `nak(delayMs)`
 * or `term(reason)` yourself. Only the first settlement counts.
 */
import { fieldsToObject, type Headers } from '../codec.js';
import { InvalidOptionError } from '../errors.js';

/** How a message was settled. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs: number | undefined; error: unknown }
  | { kind: 'term'; reason: string }
  | { kind: 'defer'; delayMs: number };

/** Makes a deferred message settleable again when it is handed out anew (internal to the consumer). */
export const reopen = Symbol('reopen');

/** What a message needs from its consumer. */
export interface MessageOwner {
  settle(message: Message<unknown>, settlement: Settlement): void;
  renew(message: Message<unknown>): Promise<void>;
}

/** One delivered message. */
export class Message<T = unknown> {
  /** The entry's ID in the stream (kept across retries). */
  readonly id: string;
  /** The stream's key. */
  readonly stream: string;
  /** The consumer group it was delivered to. */
  readonly group: string;
  /** Its priority level (`'default'` for the stream itself, and when the consumer has no `priorities`). */
  readonly priority: string;
  /** The decoded payload; for a foreign entry (or in raw mode), its fields as an object. */
  readonly data: T;
  /** The headers sent with it (empty when none). */
  readonly headers: Headers;
  /** Redis's delivery counter: 1 on the first delivery. */
  readonly deliveries: number;
  /** Whether the entry was written by another client in another shape than streamq's. */
  readonly foreign: boolean;
  /** When it was delivered to this consumer (ms since the epoch). */
  readonly deliveredAt: number;
  readonly #flat: readonly string[];
  readonly #owner: MessageOwner;
  #fields: Record<string, string> | undefined;
  #settled = false;

  /** @internal Created by the consumer. */
  constructor(init: { id: string; stream: string; group: string; priority: string; data: T; headers: Headers; deliveries: number; foreign: boolean; flat: readonly string[]; owner: MessageOwner; deliveredAt?: number }) {
    this.id = init.id;
    this.stream = init.stream;
    this.group = init.group;
    this.priority = init.priority;
    this.data = init.data;
    this.headers = init.headers;
    this.deliveries = init.deliveries;
    this.foreign = init.foreign;
    this.deliveredAt = init.deliveredAt ?? Date.now();
    this.#flat = init.flat;
    this.#owner = init.owner;
  }

  /** The entry's raw fields, as any Redis client sees them. */
  get fields(): Record<string, string> {
    this.#fields ??= fieldsToObject(this.#flat);
    return this.#fields;
  }

  /** Whether `ack`, `nak` or `term` was called (or the handler settled it). */
  get settled(): boolean {
    return this.#settled;
  }

  /** Acknowledges the message: it is done. */
  ack(): void {
    this.#settle({ kind: 'ack' });
  }

  /** Gives the message back for another delivery after `delayMs` (default: the backoff policy), or to the dead letters when out of deliveries. */
  nak(delayMs?: number, error?: unknown): void {
    this.#settle({ kind: 'nak', delayMs, error });
  }

  /** Moves the message to the dead letters now, with `reason`. */
  term(reason = 'terminated by the consumer'): void {
    this.#settle({ kind: 'term', reason });
  }

  /**
   * Runs this message again after `delayMs` — when a downstream service answered "too many
   * requests", say. Unlike `nak`, it counts no delivery and no failure: the consumer keeps the
   * message (and its lease) and hands it out again after the delay, through the admission gates.
   */
  retryAfter(delayMs: number): void {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new InvalidOptionError(`Expected \`delayMs\` to be a finite number from 0 and up, got ${String(delayMs)}`);
    }
    this.#settle({ kind: 'defer', delayMs });
  }

  /** @internal The consumer hands a deferred message out again. */
  [reopen](): void {
    this.#settled = false;
  }

  /** Tells Redis the message is still being worked on, so no other consumer takes it over. */
  working(): Promise<void> {
    return this.#settled ? Promise.resolve() : this.#owner.renew(this as Message<unknown>);
  }

  #settle(settlement: Settlement): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.settle(this as Message<unknown>, settlement);
  }
}
