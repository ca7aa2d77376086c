/**
 * Typed wrappers of the Lua scripts: each builds its KEYS from named fields in one place and
 * turns the reply into a value. The header of each `.lua` file documents KEYS, ARGV and replies.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { LuaScript } from './script.js';
import { toEntries } from '../commands/replies.js';
import { splitDeadLetterFields } from '../admin-dead-letters.js';

const scripts = {
  deadLetter: new LuaScript('dead-letter'),
  replayDeadLetters: new LuaScript('replay-dead-letters'),
  renewLeases: new LuaScript('renew-leases'),
  safeTrim: new LuaScript('safe-trim'),
  sendMany: new LuaScript('send-many'),
  sendDedup: new LuaScript('send-dedup'),
  scheduleDelayed: new LuaScript('schedule-delayed'),
  promoteDelayed: new LuaScript('promote-delayed'),
  cancelDelayed: new LuaScript('cancel-delayed'),
  ackDelete: new LuaScript('ack-delete'),
  claimOwn: new LuaScript('claim-own'),
  pauseGroup: new LuaScript('pause-group'),
  pauseState: new LuaScript('pause-state'),
};

/** Outcome of {@link deadLetter}. */
export type DeadLetterOutcome = 'moved' | 'not-pending' | 'data-gone';

/** Moves a pending entry to the dead letters and acknowledges it, atomically. `level`: its priority level, kept with it for replay. */
export async function deadLetter(
  connection: Connection,
  keys: { stream: string; dead: string },
  entry: { group: string; id: string; reason: string; deliveries: number; consumer: string; maxLen: number; level?: string | undefined },
): Promise<DeadLetterOutcome> {
  const reply = await scripts.deadLetter.run<number>(connection, [keys.stream, keys.dead], [
    entry.group, entry.id, entry.reason, String(entry.deliveries), entry.consumer, String(Date.now()), String(entry.maxLen), entry.level ?? '',
  ]);
  return reply === 1 ? 'moved' : reply === 0 ? 'not-pending' : 'data-gone';
}

/**
 * Moves dead letters back into their stream; returns the new entry IDs. A dead letter too wide for
 * one Lua call (its fields kept as JSON in `dead.fields`) is replayed from here: XADD, then XDEL —
 * a crash between the two replays it twice (at least once), never loses it.
 */
export async function replayDeadLetters(
  connection: Connection, keys: StreamKeys, deadIds: readonly string[], levels: readonly { name: string; stream: string }[] = [],
): Promise<string[]> {
  const [added, wide] = await scripts.replayDeadLetters.run<[string[], string[]]>(connection, [keys.stream, keys.dead, ...levels.map((l) => l.stream)], [
    String(levels.length), ...levels.map((l) => l.name), ...deadIds,
  ]);
  const ids = added.map(String);
  for (const deadId of wide.map(String)) {
    const [entry] = toEntries(await connection.send(keys.dead, ['XRANGE', keys.dead, deadId, deadId]));
    const { meta, rest: fields } = splitDeadLetterFields(entry?.fields ?? []);
    const target = levels.find((l) => l.name === meta['dead.priority'])?.stream ?? keys.stream;
    ids.push(await connection.send<string>(target, ['XADD', target, '*', ...fields]));
    await connection.send(keys.dead, ['XDEL', keys.dead, deadId]);
  }
  return ids;
}

/** Renews the leases of entries this consumer works on; returns the IDs it no longer owns. */
export function renewLeases(connection: Connection, keys: StreamKeys, group: string, consumer: string, ids: readonly string[]): Promise<string[]> {
  return scripts.renewLeases.run<string[]>(connection, [keys.stream], [group, consumer, ...ids]);
}

/** Limits of a safe trim. */
export interface SafeTrimLimits {
  /** Keep at least this many newest entries. */
  maxLen?: number;
  /** Remove entries older than this ID. */
  minId?: string;
  /** Let Redis trim whole macro-nodes (faster, may keep a few more). */
  approximate?: boolean;
  /** At most this many removed by the length cap in one call. */
  limit?: number;
}

/** Trims without removing anything a group has not read and acknowledged; returns the count removed. */
export async function safeTrim(connection: Connection, keys: StreamKeys, limits: SafeTrimLimits): Promise<number> {
  const [removed] = await scripts.safeTrim.run<[number, string]>(connection, [keys.stream], [
    limits.maxLen === undefined ? '' : String(limits.maxLen),
    limits.minId ?? '',
    limits.approximate ? '1' : '0',
    String(limits.limit ?? 0),
  ]);
  return Number(removed);
}

/** Appends many payloads (JSON strings) sharing `headersJson` (or none) in one command; returns their IDs in order. */
export function sendMany(connection: Connection, keys: StreamKeys, payloads: readonly string[], headersJson: string | undefined): Promise<string[]> {
  return scripts.sendMany.run<string[]>(connection, [keys.stream], [headersJson ?? '', ...payloads]);
}

/** Appends a message to `stream` unless `dedupKey` (a full key in its slot) was seen within `ttlMs`; returns the (first) ID. */
export async function sendDedup(connection: Connection, stream: string, dedupKey: string, ttlMs: number, fields: readonly string[]): Promise<{ id: string; added: boolean }> {
  const [id, added] = await scripts.sendDedup.run<[string, number]>(connection, [stream, dedupKey], [String(ttlMs), ...fields]);
  return { id: String(id), added: Number(added) === 1 };
}

/**
 * Keeps an encoded message in the delayed set until `dueMs`; with `dedup`, only the first of the
 * window is kept. Resolves with the token of the scheduled message (the first one's when deduplicated).
 */
export async function scheduleDelayed(
  connection: Connection, keys: StreamKeys, token: string, dueMs: number, fields: readonly string[], dedup?: { key: string; ttlMs: number },
): Promise<string> {
  const member = `${token}\n${JSON.stringify(fields)}`;
  return String(await scripts.scheduleDelayed.run<string>(connection, dedup === undefined ? [keys.delayed] : [keys.delayed, dedup.key],
    dedup === undefined ? [String(dueMs), member] : [String(dueMs), member, String(dedup.ttlMs)]));
}

/** Moves due delayed messages into the stream; returns how many, and when the next one is due. */
export async function promoteDelayed(connection: Connection, keys: StreamKeys, limit: number): Promise<{ moved: number; nextDueMs: number | null }> {
  const [moved, next] = await scripts.promoteDelayed.run<[number, string]>(connection, [keys.stream, keys.delayed], [String(Date.now()), String(limit)]);
  return { moved: Number(moved), nextDueMs: next === '' ? null : Number(next) };
}

/** Cancels a delayed message by the token `send` returned; whether it was found. */
export async function cancelDelayed(connection: Connection, keys: StreamKeys, token: string): Promise<boolean> {
  return (await scripts.cancelDelayed.run<number>(connection, [keys.delayed], [token])) === 1;
}

/** Acknowledges entries and deletes those no other group still needs. */
export async function ackDelete(connection: Connection, keys: StreamKeys, group: string, ids: readonly string[]): Promise<{ acked: number; deleted: number }> {
  const [acked, deleted] = await scripts.ackDelete.run<[number, number]>(connection, [keys.stream], [group, ...ids]);
  return { acked: Number(acked), deleted: Number(deleted) };
}

/** What {@link claimOwn} took back. */
export interface ClaimOwnResult {
  /** Entries claimed, with Redis's delivery counter after this claim. */
  claimed: { id: string; deliveries: number; fields: string[] }[];
  /** IDs whose data was deleted from the stream while pending. */
  gone: string[];
  /** IDs no longer pending for this consumer (taken over by another, or acknowledged). */
  notMine: string[];
}

/** Takes back due retries this consumer still owns, counting a delivery for each. */
export async function claimOwn(connection: Connection, keys: StreamKeys, group: string, consumer: string, ids: readonly string[]): Promise<ClaimOwnResult> {
  const [claimed, gone, notMine] = await scripts.claimOwn.run<[[string, number, string[]][], string[], string[]]>(connection, [keys.stream], [group, consumer, ...ids]);
  return {
    claimed: claimed.map(([id, deliveries, fields]) => ({ id: String(id), deliveries: Number(deliveries), fields })),
    gone: gone.map(String),
    notMine: notMine.map(String),
  };
}


/** Pauses a group for `forMs` (Redis's clock), or until resumed; resolves with the end (ms since the epoch, 0: until resumed). */
export async function pauseGroup(connection: Connection, keys: StreamKeys, group: string, forMs: number | undefined): Promise<number> {
  return Number(await scripts.pauseGroup.run<number>(connection, [keys.paused], [group, forMs === undefined ? '' : String(Math.ceil(forMs))]));
}

/** Whether a group is paused: -1 no; 0 until resumed; otherwise the milliseconds left. */
export async function pauseState(connection: Connection, keys: StreamKeys, group: string): Promise<number> {
  return Number(await scripts.pauseState.run<number>(connection, [keys.paused], [group]));
}
