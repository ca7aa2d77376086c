/**
 * The torture run's own view of Redis: a plain node-redis client connected straight to the server
 * (not through the fault proxy, not through streamq), so verification never trusts the library
 * under test. Commands fail fast while Redis is down (no offline queue).
 */
import { createClient } from 'redis';

const makeClient = (url: string) => createClient({
  url, RESP: 2, disableOfflineQueue: true,
  socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
});

/** A stream entry as read back: its ID and flat fields. */
export interface RawStreamEntry {
  id: string;
  fields: string[];
}

/** The group's state as XINFO reports it. */
export interface GroupState {
  pending: number;
  lastDeliveredId: string;
  lastGeneratedId: string;
  length: number;
}

/** A direct connection to the torture Redis. */
export class Monitor {
  readonly #client: ReturnType<typeof makeClient>;

  private constructor(client: ReturnType<typeof makeClient>) {
    this.#client = client;
  }

  /** Connects (Redis must be up). */
  static async connect(url: string): Promise<Monitor> {
    const client = makeClient(url);
    client.on('error', () => undefined);
    await client.connect();
    return new Monitor(client);
  }

  /** One command with a time limit. */
  async send<T>(args: string[], timeoutMs = 10_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.#client.sendCommand(args) as Promise<T>,
        new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${args[0]} timed out`)), timeoutMs); }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** IDs a consumer holds (its part of the PEL), up to 100 000. */
  async pendingOf(stream: string, group: string, consumer: string): Promise<string[]> {
    const rows = await this.send<[string, string, number, number][]>(['XPENDING', stream, group, '-', '+', '100000', consumer], 3_000);
    return rows.map((row) => String(row[0]));
  }

  /** Pending count and delivery position of the group, and the stream's last ID and length. */
  async groupState(stream: string, group: string): Promise<GroupState | undefined> {
    const groups = await this.send<unknown[][]>(['XINFO', 'GROUPS', stream], 3_000);
    const info = await this.send<unknown[]>(['XINFO', 'STREAM', stream], 3_000);
    const record = (flat: unknown[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
      return out;
    };
    const found = groups.map(record).find((g) => g.name === group);
    if (found === undefined) return undefined;
    const streamInfo = record(info);
    return {
      pending: Number(found.pending), lastDeliveredId: String(found['last-delivered-id']),
      lastGeneratedId: String(streamInfo['last-generated-id']), length: Number(streamInfo.length),
    };
  }

  /** Every entry of a stream, oldest first, read in pages. */
  async readAll(key: string): Promise<RawStreamEntry[]> {
    const entries: RawStreamEntry[] = [];
    let start = '-';
    for (;;) {
      const page = await this.send<[string, string[]][]>(['XRANGE', key, start, '+', 'COUNT', '10000'], 30_000);
      for (const [id, fields] of page) entries.push({ id: String(id), fields: fields.map(String) });
      if (page.length < 10_000) return entries;
      start = `(${String(page[page.length - 1]?.[0])}`;
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    try {
      await this.#client.close();
    } catch {
      this.#client.destroy();
    }
  }
}
