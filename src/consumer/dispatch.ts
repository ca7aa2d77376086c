/**
 * From raw entries to messages: entries read, re-read, reclaimed or retried on any lane are
 * decoded (an undecodable one goes to the dead letters with the reason), checked against
 * `maxDeliveries`, and queued for admission and a handler. It also keeps the messages handed to
 * `for await`, whose leases are the caller's and may expire.
 */
import { decodeEntry } from '../codec.js';
import type { RawEntry } from '../commands/replies.js';
import type { Metrics } from '../metrics.js';
import type { PriorityMode } from '../priorities.js';
import type { AdmissionQueue } from './admission-queue.js';
import type { Capacity } from './capacity.js';
import type { Lane } from './lane.js';
import { Message, type MessageOwner } from './message.js';
import type { ResolvedConsumerOptions } from './options.js';
import type { Runner } from './runner.js';
import { reasonOf } from './settle.js';

/** The parts dispatching works with. */
export interface DispatchParts<T> {
  options: ResolvedConsumerOptions<T>;
  capacity: Capacity;
  metrics: Metrics;
  owner: MessageOwner;
  queue: AdmissionQueue<T>;
  runner: Runner<T>;
  /** Strict priorities keep a higher level's messages ahead of lower ones already queued. */
  priorityMode: PriorityMode;
}

/** A message's place: its lane and ID. */
const placeOf = (lane: { readonly keys: { readonly stream: string } }, id: string): string => `${lane.keys.stream}\n${id}`;

/** Turns entries into messages and queues them. */
export class Dispatcher<T> {
  readonly #p: DispatchParts<T>;
  /** Lane of each message (for settling it on its own stream); weak: an iterator message may never be settled. */
  readonly #lanes = new WeakMap<Message<T>, Lane<T>>();
  /** Messages handed to `for await` and not settled, by place (their leases may expire). */
  readonly #handedOut = new Map<string, Message<T>>();

  constructor(parts: DispatchParts<T>) {
    this.#p = parts;
  }

  /** The lane a held message came from. */
  laneOf(message: Message<unknown>): Lane<T> | undefined {
    return this.#lanes.get(message as Message<T>);
  }

  /**
   * Accepts entries of `lane` for which `reserved` slots were taken; `deliveries` gives counters
   * known from XPENDING or a claim (re-read, reclaimed or retried entries: they have waited
   * longest and go first).
   */
  accept(lane: Lane<T>, entries: RawEntry[], reserved: number, deliveries?: Map<string, number>): void {
    const p = this.#p;
    let used = 0;
    const now = Date.now();
    const deleted: string[] = [];
    const messages: Message<T>[] = [];
    for (const entry of entries) {
      // Re-read from the PEL while already held here, or acknowledged here with the XACK not yet
      // confirmed (a read after a dropped connection returns those too): not handed out again.
      if (lane.lease.holds(entry.id, now) || lane.acks.isUnconfirmed(entry.id)) continue;
      // Claimed but no longer pending by the time its counter was read: acknowledged meanwhile.
      if (deliveries !== undefined && entry.fields !== null && !deliveries.has(entry.id)) continue;
      if (entry.fields === null) {
        deleted.push(entry.id);
        continue;
      }
      used++;
      lane.lease.hold(entry.id, now);
      const count = deliveries?.get(entry.id) ?? 1;
      if (count > p.options.maxDeliveries) {
        this.#drop(lane, entry.id);
        lane.settler.deadLetter(entry.id, count, `delivered ${count} times, more than maxDeliveries (${p.options.maxDeliveries}), without an outcome (consumers crashed or timed out on it)`);
        continue;
      }
      const message = this.#decode(lane, entry.id, entry.fields, count, now);
      if (message !== undefined) messages.push(message);
    }
    if (reserved > used) p.capacity.release(reserved - used);
    if (deleted.length > 0) lane.onDeletedRead(deleted);
    p.queue.push(messages, p.priorityMode === 'strict' ? lane.rank : 0, deliveries !== undefined);
    p.runner.pump();
  }

  /** Frees the slot and lease of an entry that will not reach a handler. */
  #drop(lane: Lane<T>, id: string): void {
    this.#p.capacity.release();
    lane.lease.release(id);
  }

  #decode(lane: Lane<T>, id: string, flat: string[], deliveries: number, deliveredAt: number): Message<T> | undefined {
    const p = this.#p;
    let decoded;
    try {
      decoded = decodeEntry(flat, p.options.raw);
    } catch (error) {
      this.#drop(lane, id);
      lane.settler.deadLetter(id, deliveries, `cannot decode: ${reasonOf(error)}`);
      return undefined;
    }
    const message = new Message<T>({
      id, stream: lane.keys.stream, group: p.options.group, priority: lane.level, data: decoded.data as T, headers: decoded.headers,
      deliveries, foreign: decoded.foreign, flat, owner: p.owner, deliveredAt,
    });
    this.#lanes.set(message, lane);
    return message;
  }

  #isIterator(): boolean {
    return this.#p.options.handler === undefined && this.#p.options.batchHandler === undefined;
  }

  /** The iterator hands `message` to the caller: from now on its lease is the caller's to keep. */
  handOut(message: Message<T>): void {
    const lane = this.#lanes.get(message);
    if (lane === undefined) return;
    this.#p.metrics.counters.delivered++;
    this.#handedOut.set(placeOf(lane, message.id), message);
    lane.lease.toManual(message.id);
  }

  /**
   * `message` is settled. Returns whether it still held its slot here (an iterator message whose
   * lease expired gave its slot back already; its settlement still acks or dead-letters it).
   */
  settled(message: Message<unknown>): boolean {
    const lane = this.#lanes.get(message as Message<T>);
    this.#lanes.delete(message as Message<T>);
    if (!this.#isIterator()) return true;
    if (lane === undefined) return false;
    const place = placeOf(lane, message.id);
    return this.#handedOut.get(place) === message && this.#handedOut.delete(place);
  }

  /** Iterator messages of `lane` left unsettled for the visibility timeout: their slots are freed. */
  expire(lane: Lane<T>, ids: string[]): void {
    for (const id of ids) {
      if (this.#handedOut.delete(placeOf(lane, id))) this.#p.capacity.release();
    }
  }

  /** An expired iterator message renewed by `working()` while still this consumer's: held again. */
  revive(message: Message<T>): void {
    const lane = this.#lanes.get(message);
    if (lane === undefined || message.settled || !this.#isIterator()) return;
    const place = placeOf(lane, message.id);
    if (this.#handedOut.has(place)) return;
    this.#handedOut.set(place, message);
    this.#p.capacity.take(1);
  }

  /** A message whose handler asked to run again later (`msg.retryAfter(ms)`): held here, no delivery counted. */
  defer(message: Message<T>, delayMs: number): void {
    const lane = this.#lanes.get(message);
    if (lane === undefined) return;
    // Waiting here, the message is this consumer's again: its lease is renewed automatically.
    if (this.#handedOut.delete(placeOf(lane, message.id))) lane.lease.hold(message.id, Date.now());
    this.#p.queue.defer(message, this.#p.priorityMode === 'strict' ? lane.rank : 0, delayMs);
  }
}
