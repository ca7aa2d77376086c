/**
 * Batched acknowledgements: every ID acknowledged within one turn of the event loop goes out in
 * one XACK (or one ack-delete script call with `deleteOnAck`), and several batches may be in
 * flight at once (pipelined). A failed batch is kept and sent again: an ack delayed costs at most
 * a duplicate delivery, never a loss.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { ackDelete } from '../scripts/index.js';

/** Most IDs in one XACK. */
const MAX_BATCH = 1000;
/** Wait before re-sending a batch that failed. */
const RETRY_DELAY_MS = 200;

/** Collects IDs to acknowledge and flushes them in batches. */
export class AckBatcher {
  readonly #connection: Connection;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #deleteOnAck: boolean;
  /** Called per confirmed batch: `count` acknowledged by Redis, `slots` of them held a consumer slot until now. */
  readonly #onAcked: (count: number, slots: number) => void;
  readonly #onError: (error: Error) => void;
  #queue: string[] = [];
  /**
   * Every ID queued or in flight → whether its message counted in the consumer's capacity as an
   * unconfirmed ack (capacity.ts: acks that cannot land stop the reading). Also keeps a re-read of
   * the PEL from handing these out again.
   */
  readonly #unconfirmed = new Map<string, boolean>();
  #scheduled = false;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(connection: Connection, keys: StreamKeys, group: string, deleteOnAck: boolean, onAcked: (count: number, slots: number) => void, onError: (error: Error) => void) {
    this.#connection = connection;
    this.#keys = keys;
    this.#group = group;
    this.#deleteOnAck = deleteOnAck;
    this.#onAcked = onAcked;
    this.#onError = onError;
  }

  /** Whether `id` was acknowledged here and Redis has not confirmed it yet. */
  isUnconfirmed(id: string): boolean {
    return this.#unconfirmed.has(id);
  }

  /** IDs waiting to be sent or being sent. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /**
   * Queues an ID; it is sent at the end of this event-loop turn (or at once when the batch is
   * full). `holdsSlot`: the message counts as an unconfirmed ack in the consumer's capacity until Redis confirms it.
   */
  add(id: string, holdsSlot = false): void {
    if (this.#unconfirmed.get(id) === true) holdsSlot = true;
    this.#unconfirmed.set(id, holdsSlot);
    this.#queue.push(id);
    if (this.#queue.length >= MAX_BATCH) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      this.#inFlight += batch.length;
      this.#send(batch).then(
        (count) => {
          let slots = 0;
          for (const id of batch) {
            if (this.#unconfirmed.get(id) === true) slots++;
            this.#unconfirmed.delete(id);
          }
          this.#onAcked(count, slots);
        },
        (error: Error) => {
          this.#onError(error);
          this.#queue.push(...batch);
          this.#retryTimer ??= setTimeout(() => { this.#retryTimer = undefined; this.#flush(); }, RETRY_DELAY_MS);
        },
      ).finally(() => {
        this.#inFlight -= batch.length;
        this.#notifyIdle();
      });
    }
  }

  async #send(batch: string[]): Promise<number> {
    if (this.#deleteOnAck) return (await ackDelete(this.#connection, this.#keys, this.#group, batch)).acked;
    return this.#connection.send<number>(this.#keys.stream, ['XACK', this.#keys.stream, this.#group, ...batch]);
  }

  #notifyIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Sends what is queued and resolves when every ack was confirmed, or after `timeoutMs`. Returns how many remain unconfirmed. */
  async flush(timeoutMs: number): Promise<number> {
    if (this.#queue.length > 0) this.#flush();
    if (this.pending === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]);
    clearTimeout(timer);
    return this.pending;
  }

  /** Stops retrying (after a final flush). */
  stop(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}
