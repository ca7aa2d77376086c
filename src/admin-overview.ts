/**
 * One stream's state in one script call, for dashboards that sample many streams often
 * (`Admin.snapshot`): what `Admin.stats` reports plus the counters rates are computed from
 * (entries ever added, the dead-letter stream's last ID) and each group's oldest pending entry.
 */
import type { GroupStats } from './admin-types.js';
import { parseXinfoGroups } from './commands/xinfo.js';
import type { Connection } from './connection.js';
import { streamKeys } from './keys.js';
import { readStreamSnapshot } from './scripts/snapshot.js';

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

/** Paused groups → until when (0: until resumed), from the paused hash; expired pauses left out. */
const pausedGroups = (flat: string[], now: number): Map<string, number> => {
  const paused = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const until = Number(flat[i + 1]);
    if (until === 0 || until > now) paused.set(String(flat[i]), until);
  }
  return paused;
};

/** Reads one stream's snapshot in one script call (stream-snapshot.lua). */
export async function readSnapshot(connection: Connection, stream: string): Promise<StreamSnapshot> {
  const now = Date.now();
  const raw = await readStreamSnapshot(connection, streamKeys(stream));
  const groups = parseXinfoGroups(raw.groups);
  const paused = pausedGroups(raw.paused, now);
  const info = raw.stream;
  return {
    stream,
    exists: info !== null,
    length: info?.length ?? 0,
    entriesAdded: info?.entriesAdded ?? null,
    firstId: info?.firstId ?? null,
    lastId: info?.lastGeneratedId ?? null,
    groups: groups.map((g, i) => {
      const until = paused.get(g.name);
      return { ...g, oldestPendingId: raw.oldest[i] ?? null, paused: until !== undefined, pausedUntil: until === undefined || until === 0 ? null : new Date(until) };
    }),
    deadLetters: raw.dead?.length ?? 0,
    deadLastId: raw.dead?.lastGeneratedId ?? null,
    delayed: raw.delayed,
    at: new Date(now),
  };
}
