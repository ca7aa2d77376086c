/**
 * What happens to a message once its outcome is known: ack (batched XACK), retry (stays in the
 * PEL with its idle time set so the reclaim sweep takes it after the backoff delay; the next
 * claim bumps Redis's delivery counter; the message keeps its ID), or dead letter (one Lua
 * script: copied to the dead-letter stream and acknowledged, atomically).
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import type { Metrics } from '../metrics.js';
import { deadLetter } from '../scripts/index.js';
import type { AckBatcher } from './acks.js';
import type { Capacity } from './capacity.js';
import type { LeaseKeeper } from './lease.js';
import type { Message, Settlement } from './message.js';
import type { ResolvedConsumerOptions } from './options.js';
import type { Reclaimer } from './reclaimer.js';

/** Longest reason kept in a dead letter. */
const MAX_REASON = 2_000;

/** A short, single-string reason for an error. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

/** The parts settlement works with. */
export interface SettleParts {
  options: ResolvedConsumerOptions<unknown>;
  connection: Connection;
  /** The keys of the lane's stream. */
  keys: StreamKeys;
  /** The dead-letter stream (the base stream's, for every priority level). */
  deadKey: string;
  /** The lane's priority level, recorded with each dead letter; `undefined` for the stream itself. */
  level: string | undefined;
  acks: AckBatcher;
  lease: LeaseKeeper;
  capacity: Capacity;
  reclaimer: Reclaimer;
  metrics: Metrics;
  onDeadLetter(id: string, reason: string): void;
  onError(error: Error): void;
}

/** Settles messages for one consumer. */
export class Settler {
  readonly #p: SettleParts;
  #closed = false;

  constructor(parts: SettleParts) {
    this.#p = parts;
  }

  /** After close, late settlements (a handler that outlived the close timeout) are dropped: the entry stays pending for others. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Applies `settlement` to `message` and frees its slot. `holdsSlot` false: an iterator message
   * whose lease expired (its slot was freed, and any consumer may deliver it again): an ack or a
   * term still applies; a nak has nothing left to do.
   */
  settle(message: Message<unknown>, settlement: Settlement, holdsSlot = true): void {
    if (this.#closed) return;
    const p = this.#p;
    if (holdsSlot) {
      p.lease.release(message.id);
      p.capacity.release();
    }
    if (settlement.kind === 'ack') {
      // Its entry stays in the PEL until Redis confirms the ack: counted by Capacity until then.
      if (holdsSlot) p.capacity.ackSent();
      p.acks.add(message.id, holdsSlot);
      return;
    }
    if (settlement.kind === 'term') {
      this.deadLetter(message.id, message.deliveries, settlement.reason);
    } else if (!holdsSlot || settlement.kind === 'defer') {
      return;
    } else if (message.deliveries >= p.options.maxDeliveries) {
      this.deadLetter(message.id, message.deliveries,
        `failed ${message.deliveries} of maxDeliveries ${p.options.maxDeliveries}: ${reasonOf(settlement.error ?? 'nak')}`);
    } else {
      this.#retry(message, settlement.delayMs ?? p.options.backoff(message.deliveries, settlement.error));
    }
  }

  /**
   * A retry keeps the entry (and its ID) in this consumer's PEL. This consumer takes it back at
   * its due time (reclaimer.retryAt). In case this consumer dies first, the entry is also made
   * claimable by the others' sweeps when the delay has passed: idle = visibility timeout − delay.
   * A delay longer than the visibility timeout cannot be expressed that way: the entry is kept
   * ("parked") by this consumer's lease until due.
   */
  #retry(message: Message<unknown>, delayMs: number): void {
    const p = this.#p;
    const vt = p.options.visibilityTimeoutMs;
    const delay = Math.max(0, Math.round(delayMs));
    p.metrics.counters.retried++;
    if (delay > vt) {
      p.lease.park(message.id);
    } else {
      const args = ['XCLAIM', p.keys.stream, p.options.group, p.options.name, '0', message.id, 'IDLE', String(vt - delay), 'JUSTID'];
      p.connection.send(p.keys.stream, args).catch((error: Error) => p.onError(error));
    }
    p.reclaimer.retryAt(message.id, Date.now() + delay);
  }

  /** Moves an entry this consumer holds to the dead letters, atomically with its ack. */
  deadLetter(id: string, deliveries: number, reason: string): void {
    const p = this.#p;
    deadLetter(p.connection, { stream: p.keys.stream, dead: p.deadKey }, {
      group: p.options.group, id, reason, deliveries, consumer: p.options.name, maxLen: p.options.deadLetterMaxLen, level: p.level,
    }).then((outcome) => {
      if (outcome === 'moved') {
        p.metrics.counters.deadLettered++;
        p.onDeadLetter(id, reason);
      } else if (outcome === 'data-gone') {
        p.metrics.counters.deletedWhilePending++;
      }
    }, (error: Error) => p.onError(error));
  }
}
