/**
 * What {@link Admin.stats} reports of a stream: length, IDs, groups (with their pause), dead
 * letters, delayed messages and, for a stream with priority levels, the same of each level.
 */
import type { GroupStats, LevelStats, StreamStats } from './admin-types.js';
import { parseXinfoGroups, parseXinfoStream } from './commands/xinfo.js';
import { toRecord } from './commands/replies.js';
import type { Connection } from './connection.js';
import { streamKeys, type StreamKeys } from './keys.js';
import { levelStream, levelsKey } from './priorities.js';
import { isRedisError } from './redis-errors.js';

/** Paused groups of a stream → until when (ms since the epoch; 0: until resumed); expired pauses left out. */
async function readPausedGroups(connection: Connection, keys: StreamKeys): Promise<Map<string, number>> {
  // A flat list from a single-node client, an object from node-redis's cluster client.
  const record = toRecord(await connection.send<unknown>(keys.paused, ['HGETALL', keys.paused]).catch(() => []));
  const paused = new Map<string, number>();
  const now = Date.now();
  for (const [group, value] of Object.entries(record)) {
    const until = Number(value);
    if (until === 0 || until > now) paused.set(group, until);
  }
  return paused;
}

/**
 * The priority levels recorded for `stream` by its producers and consumers (highest first), or
 * `undefined` when it has none. A malformed record is ignored.
 */
export async function readLevels(connection: Connection, stream: string): Promise<{ name: string; stream: string }[] | undefined> {
  const recorded = await connection.send<string | null>(stream, ['GET', levelsKey(stream)]).catch(() => null);
  if (recorded === null) return undefined;
  try {
    const names: unknown = JSON.parse(recorded);
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) return undefined;
    return (names as string[]).map((name) => ({ name, stream: levelStream(stream, name) }));
  } catch {
    return undefined;
  }
}

/** Length, IDs, groups and delayed count of one stream key. */
async function streamBasics(connection: Connection, stream: string, paused: Map<string, number>): Promise<LevelStats> {
  const keys = streamKeys(stream);
  const [info, groups, delayed] = await Promise.all([
    connection.send(stream, ['XINFO', 'STREAM', stream]).then(parseXinfoStream, (error: unknown) => {
      if (isRedisError(error, 'ERR')) return null; // no such key
      throw error;
    }),
    connection.send(stream, ['XINFO', 'GROUPS', stream]).then(parseXinfoGroups, () => [] as GroupStats[]),
    connection.send<number>(keys.delayed, ['ZCARD', keys.delayed]).then(Number),
  ]);
  for (const group of groups) {
    const until = paused.get(group.name);
    group.paused = until !== undefined;
    group.pausedUntil = until === undefined || until === 0 ? null : new Date(until);
  }
  return {
    stream, exists: info !== null, length: info?.length ?? 0, firstId: info?.firstId ?? null, lastId: info?.lastId ?? null, groups, delayed,
  };
}

/** Everything {@link Admin.stats} reports of `stream`. */
export async function streamStats(connection: Connection, stream: string): Promise<StreamStats> {
  const keys = streamKeys(stream);
  const [paused, deadLetters, levels] = await Promise.all([
    readPausedGroups(connection, keys),
    connection.send<number>(keys.dead, ['XLEN', keys.dead]).then(Number),
    readLevels(connection, stream),
  ]);
  const base = await streamBasics(connection, stream, paused);
  const stats: StreamStats = { ...base, deadLetters };
  if (levels !== undefined) {
    stats.priorities = await Promise.all(levels.map(async (level) => ({
      level: level.name, ...(level.stream === stream ? base : await streamBasics(connection, level.stream, paused)),
    })));
    // A stream with levels exists when any of its levels does (nothing may have been sent to `default`).
    stats.exists = stats.priorities.some((level) => level.exists);
  }
  return stats;
}
