/**
 * Typed wrapper of stream-snapshot.lua (its header documents KEYS, ARGV and replies), beside the
 * wrappers of index.ts.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { LuaScript } from './script.js';

const snapshotScript = new LuaScript('stream-snapshot');

/** XINFO STREAM's parts a snapshot keeps, or `null` when the key does not exist. */
export interface StreamInfoParts {
  length: number;
  /** `null` when Redis does not report it (before 7.0). */
  entriesAdded: number | null;
  firstId: string | null;
  /** `null` when nothing was ever added. */
  lastGeneratedId: string | null;
}

/** What stream-snapshot.lua reads. */
export interface RawSnapshot {
  stream: StreamInfoParts | null;
  dead: StreamInfoParts | null;
  /** XINFO GROUPS as Redis returned it. */
  groups: unknown[];
  delayed: number;
  /** HGETALL of the paused hash, flat. */
  paused: string[];
  /** Oldest pending ID per group (XINFO GROUPS order), `null` when none. */
  oldest: (string | null)[];
}

const parts = (reply: unknown): StreamInfoParts | null => {
  if (!Array.isArray(reply) || reply.length < 4) return null;
  const [length, added, first, last] = reply as [unknown, unknown, unknown, unknown];
  return {
    length: Number(length),
    entriesAdded: Number(added) < 0 ? null : Number(added),
    firstId: String(first) === '' ? null : String(first),
    lastGeneratedId: String(last) === '' || String(last) === '0-0' ? null : String(last),
  };
};

/** Reads one stream's state in one script call. Rejects (WRONGTYPE) when the stream or its dead-letter key is not a stream. */
export async function readStreamSnapshot(connection: Connection, keys: StreamKeys): Promise<RawSnapshot> {
  const [stream, groups, dead, delayed, paused, oldest] = await snapshotScript.run<[unknown, unknown[], unknown, number, string[], string[]]>(
    connection, [keys.stream, keys.dead, keys.delayed, keys.paused], [],
  );
  return {
    stream: parts(stream), dead: parts(dead), groups: Array.isArray(groups) ? groups : [], delayed: Number(delayed),
    paused: Array.isArray(paused) ? paused.map(String) : [], oldest: (Array.isArray(oldest) ? oldest : []).map((id) => (String(id) === '' ? null : String(id))),
  };
}
