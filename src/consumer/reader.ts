/**
 * The read loop: XREADGROUP on its own (blocking) connection, over every lane (priority level) of
 * the consumer. Each lane first re-reads this consumer's own pending entries (ID `0`, following
 * the last ID returned), then reads new ones (`>`) with COUNT = free slots. With several levels a
 * round reads them one after the other, without blocking, as the priority mode plans it (strict:
 * by rank, a lower level getting only the room higher ones left; weighted: the room shared by
 * weight — see ReadPlanner); when every level is empty it blocks on all of them at once.
 *
 * After any read error each lane re-reads its own pending entries past the last one it received,
 * because a read whose reply was lost still delivered entries to this consumer's PEL (re-reading
 * from `0` would count another delivery of every entry being handled). A client-side watchdog
 * replaces the blocking connection if a read outlives BLOCK by far (a dead socket must never
 * hang a consumer).
 */
import type { Connection } from '../connection.js';
import { parseXreadgroupMany, xreadgroupManyArgs } from '../commands/xreadgroup.js';
import type { RawEntry } from '../commands/replies.js';
import { ConnectionError } from '../errors.js';
import type { Capacity } from './capacity.js';
import type { ReadStep } from '../priorities.js';

/** Extra time past BLOCK before a read counts as hung. */
const WATCHDOG_GRACE_MS = 5_000;
/** Back-off after a failed read: from 50 ms doubling to 2 s. */
const errorDelay = (failures: number): number => Math.min(2_000, 50 * 2 ** Math.min(failures, 6));

/** What the reader needs from its consumer. */
export interface ReaderHost {
  /** The stream key of each lane, highest priority first. */
  readonly streams: readonly string[];
  readonly group: string;
  readonly consumer: string;
  readonly blockMs: number;
  readonly capacity: Capacity;
  /** The steps of a read round for `room` entries (lane indexes into `streams`, with a count each). */
  plan(room: number): ReadStep[];
  /** A fresh blocking connection (the old one is dropped after a hang). */
  openBlocking(): Promise<Connection>;
  /**
   * Handles entries read from lane `lane`; `reserved` slots were taken for them (release what is
   * unused). Own pending entries (history) are accepted before the next read, so they come
   * before new ones.
   */
  deliver(lane: number, entries: RawEntry[], reserved: number, fromHistory: boolean): Promise<void> | void;
  /** Makes sure the group exists on every lane (after NOGROUP); resolves once it does. */
  recreateGroup(error: Error): Promise<void>;
  onError(error: Error): void;
  /** Called after each round that found nothing new. */
  onEmptyRead(): void;
  stopping(): boolean;
}

/** Read position of one lane. */
interface LaneCursor {
  /** `0` or an ID while re-reading own pending entries; `>` once reading new ones. */
  cursor: string;
  /** ID of the last entry any read returned on this lane (reads return ascending IDs), or `0` before any. */
  lastReadId: string;
}

/** Runs the XREADGROUP loop until the host is stopping. */
export class Reader {
  readonly #host: ReaderHost;
  readonly #lanes: LaneCursor[];
  #blocking: Connection | undefined;
  #failures = 0;
  #needsConnection = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(host: ReaderHost) {
    this.#host = host;
    this.#lanes = host.streams.map(() => ({ cursor: '0', lastReadId: '0' }));
  }

  /** The blocking connection in use (to unblock it at close). */
  get blocking(): Connection | undefined {
    return this.#blocking;
  }

  /** Starts the loop; resolves when the first read has been issued. */
  async start(): Promise<void> {
    this.#blocking = await this.#host.openBlocking();
    this.#loop = this.#run();
  }

  /** Resolves when the loop has ended (after the host says it is stopping). */
  async stopped(): Promise<void> {
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const host = this.#host;
    while (!host.stopping()) {
      // Wait for a useful amount of room: reading 1 entry per round trip wastes Redis's time.
      await host.capacity.waitForFree(Math.max(1, Math.ceil(host.capacity.limit / 4)), host.stopping);
      if (host.stopping()) break;
      try {
        if (this.#needsConnection) await this.#replaceBlocking();
        const history = this.#lanes.findIndex((lane) => lane.cursor !== '>');
        if (history !== -1) await this.#readHistory(history);
        else if (this.#lanes.length === 1) await this.#readNewSingle();
        else await this.#readNewRound();
        this.#failures = 0;
      } catch (error) {
        if (host.stopping()) break;
        await this.#recover(error as Error);
      }
    }
  }

  /** Re-reads own pending entries of one lane, after the last one returned; none left → new ones. */
  async #readHistory(index: number): Promise<void> {
    const lane = this.#lanes[index] as LaneCursor;
    const got = (await this.#read([index], [lane.cursor], Math.max(1, this.#host.capacity.free), undefined)).get(index) ?? [];
    await this.#take(index, got, true);
    lane.cursor = got.length === 0 ? '>' : (got[got.length - 1] as RawEntry).id;
  }

  /** One lane: a single blocking read, as the seed example does. */
  async #readNewSingle(): Promise<void> {
    // COUNT = free room, not reserved: a blocked read must not starve the reclaim sweep of slots.
    const entries = (await this.#read([0], ['>'], Math.max(1, this.#host.capacity.free), this.#host.blockMs)).get(0) ?? [];
    await this.#take(0, entries, false);
    if (entries.length === 0) this.#host.onEmptyRead();
  }

  /**
   * Several lanes: non-blocking reads following the round's plan; room a lane left (it had fewer
   * entries than its share) goes to the lanes that still had some, in plan order; when every lane
   * is empty, one blocking read on all of them.
   */
  async #readNewRound(): Promise<void> {
    const host = this.#host;
    const budget = Math.max(1, host.capacity.free);
    const plan = host.plan(budget);
    const exhausted = new Set<number>();
    let got = 0;
    for (const pass of [0, 1]) {
      for (const step of plan) {
        const want = pass === 0 ? Math.min(step.count, budget - got) : budget - got;
        if (want <= 0 || exhausted.has(step.index)) continue;
        const entries = (await this.#read([step.index], ['>'], want, undefined)).get(step.index) ?? [];
        await this.#take(step.index, entries, false);
        got += entries.length;
        if (entries.length < want) exhausted.add(step.index);
      }
    }
    if (got > 0) return;
    const all = this.#lanes.map((_lane, i) => i);
    const perLane = Math.max(1, Math.floor(budget / all.length));
    const read = await this.#read(all, all.map(() => '>'), perLane, host.blockMs);
    for (const index of all) {
      const entries = read.get(index) ?? [];
      await this.#take(index, entries, false);
      got += entries.length;
    }
    if (got === 0) host.onEmptyRead();
  }

  /** Takes slots for entries read from lane `index` and delivers them. */
  async #take(index: number, entries: RawEntry[], fromHistory: boolean): Promise<void> {
    this.#host.capacity.take(entries.length);
    // Delivered before the position moves: if accepting history entries fails, they are read again.
    await this.#host.deliver(index, entries, entries.length, fromHistory);
    if (entries.length > 0) (this.#lanes[index] as LaneCursor).lastReadId = (entries[entries.length - 1] as RawEntry).id;
  }

  /** One XREADGROUP over the given lanes; entries by lane index. */
  async #read(indexes: number[], ids: string[], count: number, blockMs: number | undefined): Promise<Map<number, RawEntry[]>> {
    const host = this.#host;
    const streams = indexes.map((i) => host.streams[i] as string);
    const args = xreadgroupManyArgs(streams, host.group, host.consumer, ids, count, blockMs);
    const blocking = this.#blocking as Connection;
    const limitMs = (blockMs ?? 0) + WATCHDOG_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ConnectionError(`XREADGROUP on "${streams.join('", "')}" got no reply within ${limitMs} ms: replacing the connection`)), limitMs);
    });
    try {
      const byStream = parseXreadgroupMany(await Promise.race([blocking.send(streams[0], args), watchdog]));
      const byLane = new Map<number, RawEntry[]>();
      for (const index of indexes) {
        const entries = byStream.get(host.streams[index] as string);
        if (entries !== undefined) byLane.set(index, entries);
      }
      return byLane;
    } finally {
      clearTimeout(timer);
    }
  }

  async #recover(error: Error): Promise<void> {
    const host = this.#host;
    this.#failures++;
    // Entries of a read whose reply was lost sit in this consumer's PEL past the last ID received: read them.
    for (const lane of this.#lanes) lane.cursor = lane.lastReadId;
    if (/NOGROUP/.test(error.message)) {
      try {
        await host.recreateGroup(error);
        return;
      } catch (recreateError) {
        host.onError(recreateError as Error);
      }
    } else {
      host.onError(error);
    }
    if (/no reply within/.test(error.message)) {
      this.#blocking?.destroy();
      this.#needsConnection = true;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, errorDelay(this.#failures));
      this.#wake = () => { clearTimeout(timer); resolve(); };
    });
    this.#wake = undefined;
  }

  async #replaceBlocking(): Promise<void> {
    this.#blocking = await this.#host.openBlocking();
    this.#needsConnection = false;
  }
}
