/**
 * One stream's state in one script call, for dashboards that sample many streams often
 * (`Admin.snapshot`): what `Admin.stats` reports plus the counters rates are computed from
 * (entries ever added, the dead-letter stream's last ID) and each group's oldest pending entry.
 * A stream with priority levels costs one more script call per level besides `default`.
 */
import { readLevels } from './admin-stats.js';
import type { GroupStats } from './admin-types.js';
import { parseXinfoGroups } from './commands/xinfo.js';
import type { Connection } from './connection.js';
import { streamKeys } from './keys.js';
import { readStreamSnapshot, type RawSnapshot } from './scripts/snapshot.js';

/** A group in a {@link StreamSnapshot}. */
export interface GroupSnapshot extends GroupStats {
  /** The ID of the oldest entry still pending in the group (its age: how long something has been stuck), or `null`. */
  oldestPendingId: string | null;
  /** Whether the group is paused. */
  paused: boolean;
  /** When a timed pause ends; `null` when not paused or paused until resumed. */
  pausedUntil: Date | null;
}

/** One stream key's part of a {@link StreamSnapshot}: the stream itself, or one of its priority levels. */
export interface LevelSnapshot {
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
  /** The consumer groups (a pause is the stream's, so every level of a group shows it). */
  groups: GroupSnapshot[];
  /** Messages waiting in the delayed set. */
  delayed: number;
}

/** What `Admin.snapshot` reports of one stream. */
export interface StreamSnapshot extends LevelSnapshot {
  /** Entries in the dead-letter stream (every priority level's included). */
  deadLetters: number;
  /** The dead-letter stream's last generated ID (it changes when a message is dead-lettered), or `null`. */
  deadLastId: string | null;
  /** When this was read (the server's clock is not consulted). */
  at: Date;
  /**
   * Each priority level, highest first (the `default` level is the stream itself), when the
   * stream has levels; absent otherwise. As in `Admin.stats`, the top-level figures are the
   * default level's.
   */
  priorities?: (LevelSnapshot & { level: string })[];
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

/** One stream key's figures from its raw snapshot; pauses come from the stream's paused hash (`paused`). */
const levelOf = (stream: string, raw: RawSnapshot, paused: Map<string, number>): LevelSnapshot => {
  const info = raw.stream;
  return {
    stream,
    exists: info !== null,
    length: info?.length ?? 0,
    entriesAdded: info?.entriesAdded ?? null,
    firstId: info?.firstId ?? null,
    lastId: info?.lastGeneratedId ?? null,
    groups: parseXinfoGroups(raw.groups).map((g, i) => {
      const until = paused.get(g.name);
      return { ...g, oldestPendingId: raw.oldest[i] ?? null, paused: until !== undefined, pausedUntil: until === undefined || until === 0 ? null : new Date(until) };
    }),
    delayed: raw.delayed,
  };
};

/**
 * Reads one stream's snapshot in one script call (stream-snapshot.lua), and its recorded priority
 * levels in the same round trip; a stream with levels adds one script call per other level.
 */
export async function readSnapshot(connection: Connection, stream: string): Promise<StreamSnapshot> {
  const now = Date.now();
  const [raw, levels] = await Promise.all([readStreamSnapshot(connection, streamKeys(stream)), readLevels(connection, stream)]);
  const paused = pausedGroups(raw.paused, now);
  const base = levelOf(stream, raw, paused);
  const snapshot: StreamSnapshot = { ...base, deadLetters: raw.dead?.length ?? 0, deadLastId: raw.dead?.lastGeneratedId ?? null, at: new Date(now) };
  if (levels !== undefined) {
    snapshot.priorities = await Promise.all(levels.map(async (level) => ({
      level: level.name,
      ...(level.stream === stream ? base : levelOf(level.stream, await readStreamSnapshot(connection, streamKeys(level.stream)), paused)),
    })));
  }
  return snapshot;
}
