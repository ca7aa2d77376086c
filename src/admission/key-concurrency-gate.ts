/**
 * The per-key concurrency gate (`groupBy` + `perKeyConcurrency`): across the whole group, in every
 * process, at most N handlers of one key run at once. Each key has a set of slots in Redis
 * (key-slots.lua): a holder (entry ID, stream, consumer) with an expiry on Redis's clock. A message
 * starts once it holds a slot; its slot is given back when it settles. While it runs, this gate
 * renews its slot every third of the visibility timeout, so a slow handler keeps it; a crashed
 * consumer stops renewing, and its slots expire after the visibility timeout — by then its
 * entries are being taken over by others, which take the slots afresh. A consumer restarted under
 * the same name finds its own slots and keeps them.
 *
 * A slot freed here re-checks this consumer's held messages at once; slots freed in other
 * processes are noticed within {@link KEY_RECHECK_MS}.
 */
import type { Connection } from '../connection.js';
import type { Message } from '../consumer/message.js';
import type { GateKeys } from '../keys.js';
import type { Metrics } from '../metrics.js';
import { releaseKeySlot, takeKeySlots, type GateRequest } from '../scripts/gates.js';
import type { AdmissionGate, Decision } from './gate.js';
import { keyOf, type MessageKey } from './limits.js';

/** Longest a held message waits before asking again (a slot freed by another process is seen by then). */
export const KEY_RECHECK_MS = 50;
/** Retry delay of a renewal that failed (Redis unreachable): sooner than the interval, so an outage costs no slot. */
const RENEW_RETRY_MS = 250;
/** Holders per renewal call. */
const RENEW_CHUNK = 500;

/** What the gate is built from. */
export interface KeyConcurrencyGateInit {
  connection: Connection;
  keys: GateKeys;
  groupBy: MessageKey<unknown>;
  /** Slots per key. */
  limit: number;
  /** A slot's time to live without renewal: the visibility timeout. */
  ttlMs: number;
  /** This consumer's name (part of each holder). */
  consumer: string;
  /**
   * Whether slots of admitted messages are renewed while they run (handlers). Messages of
   * `for await` are the caller's: like their leases, their slots last the visibility timeout.
   */
  renew: boolean;
  metrics: Metrics;
  onError(error: Error): void;
}

/** A slot this consumer holds. */
interface Slot {
  key: string;
  holder: string;
}

/** The per-key concurrency gate of one consumer. */
export class KeyConcurrencyGate implements AdmissionGate {
  readonly name = 'key-concurrency';
  readonly #init: KeyConcurrencyGateInit;
  /** Messages holding a slot (admitted and not yet settled). */
  readonly #held = new Map<Message<unknown>, Slot>();
  /** Messages held back in their current wait (counted once in the metric). */
  readonly #waiting = new WeakSet<Message<unknown>>();
  #onChange: () => void = () => undefined;
  #changeQueued = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Whether the last renewal failed (an outage is reported once, not every retry). */
  #failing = false;

  constructor(init: KeyConcurrencyGateInit) {
    this.#init = init;
  }

  /** Slots held by this consumer now. */
  get held(): number {
    return this.#held.size;
  }

  async admit(messages: readonly Message<unknown>[]): Promise<Decision[]> {
    const answers: Decision[] = messages.map(() => true);
    const asked: { index: number; slot: Slot }[] = [];
    const { groupBy, consumer, onError } = this.#init;
    messages.forEach((message, index) => {
      // Holding a slot already (a later gate held it back): it keeps that one.
      if (this.#held.has(message)) return;
      const key = keyOf(groupBy, message, 'groupBy', onError);
      if (key !== undefined) asked.push({ index, slot: { key, holder: JSON.stringify([message.id, message.stream, consumer]) } });
    });
    if (asked.length === 0) return answers;
    const requests: GateRequest[] = asked.map(({ slot }) => ({ token: slot.holder, key: slot.key }));
    const reply = await takeKeySlots(this.#init.connection, this.#init.keys, this.#init.limit, this.#init.ttlMs, requests);
    const answered = Date.now();
    asked.forEach(({ index, slot }, j) => {
      const message = messages[index] as Message<unknown>;
      const wait = reply.waits[j] ?? 0;
      if (wait === 0) {
        this.#held.set(message, slot);
        this.#waiting.delete(message);
        return;
      }
      if (!this.#waiting.has(message)) {
        this.#waiting.add(message);
        this.#init.metrics.counters.heldByKeyConcurrency++;
      }
      answers[index] = answered + Math.min(wait, KEY_RECHECK_MS);
    });
    if (this.#init.renew) this.#armRenewal(this.#interval());
    return answers;
  }

  /** The message settled (or was deferred): its slot is given back, and held messages are asked about again. */
  release(message: Message<unknown>): void {
    this.#waiting.delete(message);
    const slot = this.#held.get(message);
    if (slot === undefined) return;
    this.#held.delete(message);
    // Sent now, so it reaches Redis before the asking it triggers (same connection, in order).
    releaseKeySlot(this.#init.connection, this.#init.keys, slot.key, slot.holder).catch((error: Error) => {
      if (!this.#closed) this.#init.onError(error);
    });
    if (this.#changeQueued) return;
    this.#changeQueued = true;
    queueMicrotask(() => {
      this.#changeQueued = false;
      this.#onChange();
    });
  }

  start(onChange: () => void): void {
    this.#onChange = onChange;
  }

  /**
   * Stops asking for changes. Slots of handlers still running stay renewed until they settle (the
   * consumer lets them finish); what never started is left to expire.
   */
  close(): void {
    this.#closed = true;
    this.#onChange = () => undefined;
  }

  #interval(): number {
    return Math.max(20, Math.floor(this.#init.ttlMs / 3));
  }

  #armRenewal(delayMs: number): void {
    if (this.#timer !== undefined || this.#held.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#renew().then(
        () => {
          this.#failing = false;
          this.#armRenewal(this.#interval());
        },
        (error: Error) => {
          // After close the connection goes away with the consumer: what is left expires.
          if (this.#closed) return;
          if (!this.#failing) this.#init.onError(error);
          this.#failing = true;
          this.#armRenewal(RENEW_RETRY_MS);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }

  /** Renews every slot held (the script keeps a holder's slot and moves its expiry on). */
  async #renew(): Promise<void> {
    const messages = [...this.#held.keys()];
    for (let start = 0; start < messages.length; start += RENEW_CHUNK) {
      // Only what is still held when sent: a slot given back meanwhile must not be taken again.
      const chunk = messages.slice(start, start + RENEW_CHUNK).flatMap((m) => {
        const slot = this.#held.get(m);
        return slot === undefined ? [] : [[m, slot] as const];
      });
      if (chunk.length === 0) continue;
      const requests = chunk.map(([, slot]) => ({ token: slot.holder, key: slot.key }));
      const reply = await takeKeySlots(this.#init.connection, this.#init.keys, this.#init.limit, this.#init.ttlMs, requests);
      chunk.forEach(([message, slot], j) => {
        if ((reply.waits[j] ?? 0) === 0 || !this.#held.has(message)) return;
        // Expired while it ran (renewals failed for a visibility timeout) and taken by another.
        this.#init.onError(new Error(`The per-key slot of message ${message.id} (key ${JSON.stringify(slot.key)}) expired while its handler ran and was taken by another holder: more than perKeyConcurrency handlers of that key may run until it settles`));
      });
    }
  }
}
