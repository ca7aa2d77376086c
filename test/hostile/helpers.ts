/**
 * Helpers of the hostile-input and hostile-server tests (not a test file): a raw node-redis client
 * that writes and reads bytes around the library, a consumer harness that records every delivery,
 * and "settled" checks that look at Redis, not at the library's counters.
 */
import { createClient, RESP_TYPES } from 'redis';
import { Consumer, fixedBackoff, MetricsRegistry, streamKeys, type ConsumerBaseOptions, type Message } from '../../src/index.js';
import { waitFor } from '../support/poll.js';

const makeRaw = (url: string) => createClient({ url, RESP: 2 });
/** A raw node-redis client (RESP2). */
export type RawClient = ReturnType<typeof makeRaw>;

/** Connects a raw client; its errors (server stopped at the end of a test) are ignored. */
export async function rawClient(url: string): Promise<RawClient> {
  const client = makeRaw(url);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Sends a command whose arguments may be bytes. */
export function cmd<T = unknown>(client: RawClient, ...args: (string | Buffer)[]): Promise<T> {
  return client.sendCommand(args) as Promise<T>;
}

/** Sends a command and returns bulk strings as Buffers (byte-exact reads). */
export function cmdBytes<T = unknown>(client: RawClient, ...args: string[]): Promise<T> {
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).sendCommand(args) as Promise<T>;
}

/** A dead letter as stored: the original ID, the reason and the original fields. */
export interface StoredDeadLetter {
  deadId: string;
  originalId: string;
  reason: string;
  fields: string[];
}

/** Every dead letter of a stream, read with plain XRANGE (not through the library). */
export async function storedDeadLetters(client: RawClient, stream: string): Promise<StoredDeadLetter[]> {
  const rows = await cmd<[string, string[]][]>(client, 'XRANGE', streamKeys(stream).dead, '-', '+');
  return rows.map(([deadId, flat]) => {
    const meta = new Map<string, string>();
    for (let i = 0; i < 12 && i + 1 < flat.length; i += 2) meta.set(flat[i] as string, flat[i + 1] as string);
    // An entry too wide to copy field by field keeps its fields as one JSON array (dead.fields).
    const fields = flat[12] === 'dead.fields' ? JSON.parse(flat[13] as string) as string[] : flat.slice(12);
    return { deadId, originalId: meta.get('dead.id') ?? '', reason: meta.get('dead.reason') ?? '', fields };
  });
}

/** The group's pending count and whether it has read the whole stream (XINFO). */
export async function groupState(client: RawClient, stream: string, group: string): Promise<{ pending: number; readAll: boolean }> {
  const groups = await cmd<unknown[][]>(client, 'XINFO', 'GROUPS', stream);
  const info = await cmd<unknown[]>(client, 'XINFO', 'STREAM', stream);
  const record = (flat: unknown[]): Map<string, unknown> => {
    const map = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
    return map;
  };
  const found = groups.map(record).find((g) => g.get('name') === group);
  if (found === undefined) return { pending: -1, readAll: false };
  return { pending: Number(found.get('pending')), readAll: found.get('last-delivered-id') === record(info).get('last-generated-id') };
}

/** Waits until the group has read every entry and nothing is pending. */
export async function waitSettled(client: RawClient, stream: string, group: string, deadlineMs = 15_000): Promise<void> {
  await waitFor(async () => {
    const state = await groupState(client, stream, group);
    return state.pending === 0 && state.readAll;
  }, { deadlineMs, intervalMs: 50, description: `group "${group}" on "${stream}" to settle` });
}

/** A consumer with fast timings that records deliveries, errors and warnings. */
export interface Harness<T> {
  consumer: Consumer<T>;
  delivered: Message<T>[];
  errors: Error[];
  warnings: string[];
  deadLettered: { id: string; reason: string }[];
}

/** Options that make a test consumer quick: short visibility timeout, frequent sweeps, 10 ms retries. */
export function fastOptions(url: string): Partial<ConsumerBaseOptions<unknown>> {
  return {
    redis: url, visibilityTimeoutMs: 500, reclaimIntervalMs: 100, blockMs: 100, backoff: fixedBackoff(10), maxDeliveries: 2,
    connectTimeoutMs: 3_000, registry: new MetricsRegistry(),
  };
}

/** Builds (not starts) a recording consumer; `handle` runs after the delivery is recorded. */
export function harness<T>(options: ConsumerBaseOptions<T>, handle: (message: Message<T>) => unknown = () => undefined): Harness<T> {
  const h: Harness<T> = { delivered: [], errors: [], warnings: [], deadLettered: [] } as unknown as Harness<T>;
  h.consumer = new Consumer<T>({
    ...options,
    handler: async (message) => {
      h.delivered.push(message);
      await handle(message);
    },
  });
  h.consumer.on('error', (error: Error) => h.errors.push(error));
  h.consumer.on('warning', (message: string) => h.warnings.push(message));
  h.consumer.on('deadLetter', (event: { id: string; reason: string }) => h.deadLettered.push(event));
  return h;
}
