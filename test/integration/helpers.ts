/**
 * Shared helpers of the streamq integration tests (not a test file itself): a raw node-redis
 * client for checks, PEL inspection, fast consumer defaults, and a bag that closes everything a
 * test opened.
 */
import { createClient } from 'redis';
import { fixedBackoff, MetricsRegistry, type ConsumerBaseOptions } from '../../src/index.js';
import { useRedis, type UsedRedis } from '../support/redis-server.js';

const makeRawClient = (url: string) => createClient({ url, RESP: 2 });

/** A raw node-redis client (RESP2), used to inspect and poke Redis around the library. */
export type RawClient = ReturnType<typeof makeRawClient>;

/** Connects a raw client to `url`. */
export async function rawClient(url: string): Promise<RawClient> {
  const client = makeRawClient(url);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A test file's Redis (REDIS_URL or a private redis-server) and a raw client on it: open in `before`. */
export async function openFileRedis(): Promise<{ redis: UsedRedis; raw: RawClient }> {
  const redis = await useRedis();
  return { redis, raw: await rawClient(redis.url) };
}

/** Closes what {@link openFileRedis} opened: the client first, then the server. */
export async function closeFileRedis(redis: UsedRedis, raw: RawClient): Promise<void> {
  await raw.close();
  await redis.close();
}

/** Sends a raw command. */
export function cmd<T = unknown>(client: RawClient, ...args: string[]): Promise<T> {
  return client.sendCommand(args) as Promise<T>;
}

/** Number of entries pending in `group` (XPENDING summary); for one consumer when `consumer` is given. */
export async function pendingCount(client: RawClient, stream: string, group: string, consumer?: string): Promise<number> {
  if (consumer === undefined) {
    const summary = await cmd<[number, ...unknown[]]>(client, 'XPENDING', stream, group);
    return Number(summary[0]);
  }
  const rows = await cmd<unknown[]>(client, 'XPENDING', stream, group, '-', '+', '100000', consumer);
  return rows.length;
}

/** One pending entry, as XPENDING's extended form reports it. */
export interface PendingRow { id: string; consumer: string; idleMs: number; deliveries: number }

/** The pending entries of `group` (extended XPENDING). */
export async function pendingRows(client: RawClient, stream: string, group: string): Promise<PendingRow[]> {
  const rows = await cmd<[string, string, number, number][]>(client, 'XPENDING', stream, group, '-', '+', '100000');
  return rows.map(([id, consumer, idle, deliveries]) => ({ id, consumer, idleMs: Number(idle), deliveries: Number(deliveries) }));
}

/** Stream length. */
export async function xlen(client: RawClient, stream: string): Promise<number> {
  return Number(await cmd(client, 'XLEN', stream));
}

/**
 * Consumer options that make tests fast: short visibility timeout, frequent sweeps, short BLOCK,
 * a 20 ms fixed backoff, a private metrics registry.
 */
export function fast(url: string, overrides: Partial<ConsumerBaseOptions<unknown>> = {}): Partial<ConsumerBaseOptions<unknown>> {
  return {
    redis: url,
    visibilityTimeoutMs: 1000,
    reclaimIntervalMs: 100,
    blockMs: 100,
    backoff: fixedBackoff(20),
    connectTimeoutMs: 3000,
    registry: new MetricsRegistry(),
    ...overrides,
  };
}

/** Something a test opened and must close. */
interface Closable { close(): Promise<unknown> }

/** Collects what a test opens; `closeAll()` closes it all (in reverse order), ignoring errors. */
export class Bag {
  readonly #items: (() => Promise<unknown>)[] = [];

  /** Registers `item` for closing; returns it. */
  add<T extends Closable>(item: T, close: (item: T) => Promise<unknown> = (i) => i.close()): T {
    this.#items.push(() => close(item));
    return item;
  }

  /** Registers a cleanup function. */
  defer(fn: () => unknown): void {
    this.#items.push(async () => fn());
  }

  /** Closes everything, newest first. */
  async closeAll(): Promise<void> {
    while (this.#items.length > 0) {
      const close = this.#items.pop() as () => Promise<unknown>;
      await close().catch(() => undefined);
    }
  }
}

/** A promise with its resolve function, for gating handlers. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => { open = resolve; });
  return { promise, open };
}
