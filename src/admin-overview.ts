/**
 * One stream's state in few round trips, for dashboards that sample many streams often
 * (`Admin.snapshot`): what `Admin.stats` reports plus the counters rates are computed from
 * (entries ever added, the dead-letter stream's last ID) and each group's oldest pending entry.
 */
import type { GroupStats } from './admin-types.js';
import { toNumber, toNumberOrNull, toRecord } from './commands/replies.js';
import { parseXinfoGroups } from './commands/xinfo.js';
import type { Connection } from './connection.js';
import { streamKeys } from './keys.js';
import { isRedisError } from './redis-errors.js';

/** A group in a {@link StreamSnapshot}. */
export interface GroupSnapshot extends GroupStats {
  /** The ID of the oldest entry still pending in the group (its age: how long something has been stuck), or `null`. */
  oldestPendingId: string | null;
  /** Whether the group is paused. */
  paused: boolean;
  /** When a timed pause ends; `null` when not paused or paused until resumed. */
  pausedUntil: Date | null;
}

/** What `Admin.snapshot` reports of one stream. */
export interface StreamSnapshot {
  /** The stream's key. */
  stream: string;
  /** Whether the key exists. */
  exists: boolean;
  /** Entries in the stream (XLEN). */
  length: number;
  /** Entries ever added (Redis ≥ 7: `entries-added`), or `null` when unknown: the input rate is its change. */
  entriesAdded: number | null;
  /** ID of the first entry, or `null` when empty. */
  firstId: string | null;
  /** ID of the last entry ever added, or `null`. */
  lastId: string | null;
  /** The consumer groups. */
  groups: GroupSnapshot[];
  /** Entries in the dead-letter stream. */
  deadLetters: number;
  /** The dead-letter stream's last generated ID (it changes when a message is dead-lettered), or `null`. */
  deadLastId: string | null;
  /** Messages waiting in the delayed set. */
  delayed: number;
  /** When this was read (the server's clock is not consulted). */
  at: Date;
}

interface InfoParts { length: number; entriesAdded: number | null; firstId: string | null; lastId: string | null }

const idOf = (entry: unknown): string | null => (Array.isArray(entry) ? String(entry[0]) : null);

/** XINFO STREAM → the parts a snapshot keeps; `null` when the key does not exist. */
const readInfo = (connection: Connection, key: string): Promise<InfoParts | null> =>
  connection.send(key, ['XINFO', 'STREAM', key]).then(
    (reply) => {
      const info = toRecord(reply);
      const length = toNumber(info.length);
      const lastGenerated = info['last-generated-id'];
      return {
        length,
        entriesAdded: toNumberOrNull(info['entries-added']),
        firstId: idOf(info['first-entry']),
        lastId: lastGenerated !== undefined && String(lastGenerated) !== '0-0' ? String(lastGenerated) : length > 0 ? idOf(info['last-entry']) : null,
      };
    },
    (error: unknown) => {
      if (isRedisError(error, 'ERR')) return null; // no such key
      throw error;
    },
  );

/** Paused groups → until when (0: until resumed); expired pauses left out. */
const readPaused = async (connection: Connection, key: string, now: number): Promise<Map<string, number>> => {
  const flat = await connection.send<string[]>(key, ['HGETALL', key]).catch(() => [] as string[]);
  const paused = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const until = Number(flat[i + 1]);
    if (until === 0 || until > now) paused.set(String(flat[i]), until);
  }
  return paused;
};

/** The oldest pending ID of a group (XPENDING summary form), or `null`. */
const oldestPending = async (connection: Connection, stream: string, group: string): Promise<string | null> => {
  const reply = await connection.send<unknown[]>(stream, ['XPENDING', stream, group]);
  return Array.isArray(reply) && reply[1] !== null && reply[1] !== undefined ? String(reply[1]) : null;
};

/** Reads one stream's snapshot: five commands sent together, then one XPENDING per group. */
export async function readSnapshot(connection: Connection, stream: string): Promise<StreamSnapshot> {
  const keys = streamKeys(stream);
  const now = Date.now();
  const [info, groups, dead, delayed, paused] = await Promise.all([
    readInfo(connection, stream),
    connection.send(stream, ['XINFO', 'GROUPS', stream]).then(parseXinfoGroups, (error: unknown) => {
      if (isRedisError(error, 'ERR')) return [] as GroupStats[];
      throw error;
    }),
    readInfo(connection, keys.dead),
    connection.send<number>(keys.delayed, ['ZCARD', keys.delayed]).then(Number),
    readPaused(connection, keys.paused, now),
  ]);
  const oldest = await Promise.all(groups.map((g) => (g.pending > 0 ? oldestPending(connection, stream, g.name) : null)));
  return {
    stream,
    exists: info !== null,
    length: info?.length ?? 0,
    entriesAdded: info?.entriesAdded ?? null,
    firstId: info?.firstId ?? null,
    lastId: info?.lastId ?? null,
    groups: groups.map((g, i) => {
      const until = paused.get(g.name);
      return { ...g, oldestPendingId: oldest[i] ?? null, paused: until !== undefined, pausedUntil: until === undefined || until === 0 ? null : new Date(until) };
    }),
    deadLetters: dead?.length ?? 0,
    deadLastId: dead?.lastId ?? null,
    delayed,
    at: new Date(now),
  };
}
