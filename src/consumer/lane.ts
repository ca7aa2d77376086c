/**
 * A lane: one stream key a consumer reads — the stream itself, or one priority level's stream —
 * with the parts that work on that key: batched acks, leases, due retries and the reclaim sweep,
 * settlement, delayed-message promotion. The consumer has one lane per level; the read loop, the
 * dispatcher, the admission gates and the flow-control capacity are shared by all its lanes.
 */
import type { Connection } from '../connection.js';
import type { RawEntry } from '../commands/replies.js';
import { parseXpending, xpendingArgs } from '../commands/xpending.js';
import { DelayedPromoter } from '../delayed.js';
import { streamKeys, type StreamKeys } from '../keys.js';
import type { Metrics } from '../metrics.js';
import { deleteConsumer } from '../scripts/consumers.js';
import { AckBatcher } from './acks.js';
import type { Capacity } from './capacity.js';
import type { Dispatcher } from './dispatch.js';
import { LeaseKeeper } from './lease.js';
import type { ResolvedConsumerOptions } from './options.js';
import { Reclaimer } from './reclaimer.js';
import { Settler } from './settle.js';

/** What a lane needs from its consumer. */
export interface LaneContext<T> {
  options: ResolvedConsumerOptions<T>;
  /** The level's name (`default` for the stream itself). */
  level: string;
  /** Its rank: 0 for the highest level. */
  rank: number;
  /** The lane's stream key. */
  stream: string;
  /** Keys of the stream the consumer was made for (dead letters live there for every level). */
  baseKeys: StreamKeys;
  connection: Connection;
  capacity: Capacity;
  metrics: Metrics;
  /** The shared dispatcher (created after the lanes). */
  dispatcher(): Dispatcher<T>;
  stopping(): boolean;
  onError(error: Error): void;
  onWarning(message: string, context?: Record<string, unknown>): void;
  onDeadLetter(id: string, reason: string): void;
  /** Some acks were confirmed. */
  onAcked(): void;
}

/** One stream key of a consumer and the parts that work on it. */
export class Lane<T> {
  readonly level: string;
  readonly rank: number;
  readonly keys: StreamKeys;
  readonly acks: AckBatcher;
  readonly lease: LeaseKeeper;
  readonly reclaimer: Reclaimer;
  readonly settler: Settler;
  readonly promoter: DelayedPromoter;
  readonly #ctx: LaneContext<T>;

  constructor(ctx: LaneContext<T>) {
    const o = ctx.options;
    const { connection, capacity, metrics, onError } = ctx;
    this.#ctx = ctx;
    this.level = ctx.level;
    this.rank = ctx.rank;
    this.keys = streamKeys(ctx.stream);
    this.acks = new AckBatcher(connection, this.keys, o.group, o.deleteOnAck, (n, slots) => {
      metrics.counters.acked += n;
      capacity.ackConfirmed(slots);
      ctx.onAcked();
    }, onError);
    this.lease = new LeaseKeeper({
      connection, keys: this.keys, group: o.group, consumer: o.name, visibilityMs: o.visibilityTimeoutMs,
      events: {
        onLost: (ids) => {
          metrics.counters.leasesLost += ids.length;
          for (const id of ids) this.reclaimer.forget(id);
          ctx.onWarning(`${ids.length} in-flight entries of "${this.keys.stream}" were taken over by another consumer`, { ids: ids.slice(0, 10) });
        },
        onRenewed: (n) => { metrics.counters.leasesRenewed += n; },
        onExpired: (ids) => ctx.dispatcher().expire(this, ids),
        onError,
      },
    });
    this.reclaimer = new Reclaimer({
      keys: this.keys, group: o.group, consumer: o.name, visibilityTimeoutMs: o.visibilityTimeoutMs, intervalMs: o.reclaimIntervalMs,
      capacity, connection, stopping: ctx.stopping, onError,
      onDeleted: (ids) => this.#onDeleted(ids),
      holds: (id) => this.lease.holds(id),
      deliverClaimed: async (batch, reserved) => {
        if (batch.origin === 'reclaimed') metrics.counters.reclaimed += batch.entries.length;
        ctx.dispatcher().accept(this, batch.entries, reserved, batch.deliveries ?? await this.deliveryCounts(batch.entries));
      },
    });
    this.settler = new Settler({
      options: o as ResolvedConsumerOptions<unknown>, connection, keys: this.keys, deadKey: ctx.baseKeys.dead,
      level: ctx.stream === ctx.baseKeys.stream ? undefined : ctx.level,
      acks: this.acks, lease: this.lease, capacity, reclaimer: this.reclaimer, metrics, onError, onDeadLetter: ctx.onDeadLetter,
    });
    this.promoter = new DelayedPromoter(connection, this.keys, onError, o.delayedPollMs);
  }

  /** Starts lease renewal, due retries and the sweep. */
  start(): void {
    this.lease.start();
    this.reclaimer.start();
  }

  /** XAUTOCLAIM removes the entries it reports deleted from the PEL itself (exactly once): count them (the ack is for older servers). */
  #onDeleted(ids: string[]): void {
    this.#ctx.metrics.counters.deletedWhilePending += ids.length;
    for (const id of ids) this.acks.add(id);
  }

  /** Own pending entries re-read with nil fields may have been removed by a sweep meanwhile: count what XACK removes. */
  onDeletedRead(ids: string[]): void {
    const { connection, options, metrics, onError } = this.#ctx;
    connection.send<number>(this.keys.stream, ['XACK', this.keys.stream, options.group, ...ids])
      .then((removed) => { metrics.counters.deletedWhilePending += Number(removed); }, onError);
  }

  /** Redis's delivery counters of entries this consumer now owns (one XPENDING each, pipelined). */
  async deliveryCounts(entries: RawEntry[]): Promise<Map<string, number>> {
    const { connection, options } = this.#ctx;
    const stream = this.keys.stream;
    const rows = await Promise.all(entries.filter((e) => e.fields !== null).map((e) =>
      connection.send(stream, xpendingArgs(stream, options.group, e.id, e.id, 1)).then(parseXpending)));
    const counts = new Map<string, number>();
    for (const row of rows) if (row[0]) counts.set(row[0].id, row[0].deliveries);
    return counts;
  }

  /** After a reconnect: renews every lease at once; whether it went through. */
  renewAll(): Promise<boolean> {
    return this.lease.renewAll();
  }

  /** Stops taking entries back (promotion, due retries, sweeps). */
  async stopClaiming(): Promise<void> {
    this.promoter.stop();
    await this.reclaimer.stop();
  }

  /** Stops settling and renewing; sends the acks still queued (waits up to `timeoutMs` for them). */
  async stopSettling(timeoutMs: number): Promise<void> {
    this.settler.close();
    this.lease.stop();
    await this.acks.flush(timeoutMs);
    this.acks.stop();
  }

  /**
   * Hands what this lane still holds back to the group, made claimable at once (idle = visibility
   * timeout), then leaves the group when it holds nothing (unless `keepConsumerOnClose`), so
   * dead names do not pile up in XINFO CONSUMERS.
   */
  async handBack(extraIds: string[]): Promise<void> {
    const { connection, options: o, onError } = this.#ctx;
    const stream = this.keys.stream;
    const ids = [...new Set([...this.lease.heldIds(), ...extraIds])];
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500);
      await connection.send(stream, ['XCLAIM', stream, o.group, o.name, '0', ...chunk, 'IDLE', String(o.visibilityTimeoutMs), 'JUSTID'])
        .catch((error: Error) => onError(error));
    }
    if (!o.keepConsumerOnClose) {
      await deleteConsumer(connection, this.keys, { group: o.group, consumer: o.name, force: false, minIdleMs: 0 }).catch((error: Error) => onError(error));
    }
  }
}
