/**
 * The read loop: XREADGROUP on its own (blocking) connection. It first re-reads this consumer's
 * own pending entries (ID `0`, following the last ID returned), then reads new ones (`>`) with
 * COUNT = free slots. After any read error it re-reads its own pending entries past the last one
 * it received, because a read whose reply was lost still delivered entries to this consumer's PEL
 * (re-reading from `0` would count another delivery of every entry being handled). A client-side
 * watchdog replaces the blocking connection if a read outlives BLOCK by far (a dead socket must
 * never hang a consumer).
 */
import type { Connection } from '../connection.js';
import { parseXreadgroup, xreadgroupArgs } from '../commands/xreadgroup.js';
import type { RawEntry } from '../commands/replies.js';
import { ConnectionError } from '../errors.js';
import type { Capacity } from './capacity.js';

/** Extra time past BLOCK before a read counts as hung. */
const WATCHDOG_GRACE_MS = 5_000;
/** Back-off after a failed read: from 50 ms doubling to 2 s. */
const errorDelay = (failures: number): number => Math.min(2_000, 50 * 2 ** Math.min(failures, 6));

/** What the reader needs from its consumer. */
export interface ReaderHost {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly blockMs: number;
  readonly capacity: Capacity;
  /** A fresh blocking connection (the old one is dropped after a hang). */
  openBlocking(): Promise<Connection>;
  /** Handles entries read; `reserved` slots were taken for them (release what is unused). */
  /** Own pending entries (history) are accepted before the next read, so they come before new ones. */
  deliver(entries: RawEntry[], reserved: number, fromHistory: boolean): Promise<void> | void;
  /** Makes sure the group exists (after NOGROUP); resolves once it does. */
  recreateGroup(error: Error): Promise<void>;
  onError(error: Error): void;
  /** Called after each read that returned nothing. */
  onEmptyRead(): void;
  stopping(): boolean;
}

/** Runs the XREADGROUP loop until the host is stopping. */
export class Reader {
  readonly #host: ReaderHost;
  #blocking: Connection | undefined;
  #cursor = '0';
  /** ID of the last entry any read returned (reads return ascending IDs), or `0` before any. */
  #lastReadId = '0';
  #failures = 0;
  #needsConnection = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(host: ReaderHost) {
    this.#host = host;
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
      // COUNT = free room, not reserved: a blocked read must not starve the reclaim sweep of slots.
      const history = this.#cursor !== '>';
      try {
        if (this.#needsConnection) await this.#replaceBlocking();
        const entries = await this.#read(Math.max(1, host.capacity.free), history);
        const reserved = entries.length;
        host.capacity.take(reserved);
        this.#failures = 0;
        // Delivered before the cursor moves: if accepting history entries fails, they are read again.
        await host.deliver(entries, reserved, history);
        if (entries.length > 0) this.#lastReadId = (entries[entries.length - 1] as RawEntry).id;
        if (history) {
          // History mode: continue after the last own pending entry; none left → switch to new ones.
          this.#cursor = entries.length === 0 ? '>' : (entries[entries.length - 1] as RawEntry).id;
        }
        if (!history && entries.length === 0) host.onEmptyRead();
      } catch (error) {
        if (host.stopping()) break;
        await this.#recover(error as Error);
      }
    }
  }

  async #read(count: number, history: boolean): Promise<RawEntry[]> {
    const host = this.#host;
    const args = xreadgroupArgs(host.stream, host.group, host.consumer, this.#cursor, count, history ? undefined : host.blockMs);
    const blocking = this.#blocking as Connection;
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ConnectionError(`XREADGROUP on "${host.stream}" got no reply within ${host.blockMs + WATCHDOG_GRACE_MS} ms: replacing the connection`)), host.blockMs + WATCHDOG_GRACE_MS);
    });
    try {
      return parseXreadgroup(await Promise.race([blocking.send(host.stream, args), watchdog]));
    } finally {
      clearTimeout(timer);
    }
  }

  async #recover(error: Error): Promise<void> {
    const host = this.#host;
    this.#failures++;
    // Entries of a read whose reply was lost sit in this consumer's PEL past the last ID received: read them.
    this.#cursor = this.#lastReadId;
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
