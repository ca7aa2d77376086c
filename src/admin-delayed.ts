/**
 * Delayed messages for {@link Admin}: listing the stream's delayed set with due times, cancelling
 * one, and making one due now. A member of the set is `"<token>\n<fields as JSON>"` (see
 * schedule-delayed.lua); the token is the `delayed:…` ID `Producer.send` returned.
 */
import { fieldsToObject } from './codec.js';
import type { Connection } from './connection.js';
import type { StreamKeys } from './keys.js';
import { cancelDelayed, promoteDelayed } from './scripts/index.js';

/** A message waiting in a stream's delayed set. */
export interface DelayedMessage {
  /** Its `delayed:…` ID, as `Producer.send` returned it (cancel it with this). */
  id: string;
  /** When it is due: it is appended to the stream then. */
  dueAt: Date;
  /** The fields it will be appended with (`data`, `headers`, … or a foreign entry's fields). */
  fields: Record<string, string>;
}

/** A page of {@link DelayedMessage}s, soonest due first. */
export interface DelayedPage {
  /** How many wait in all. */
  total: number;
  /** The messages of this page. */
  messages: DelayedMessage[];
}

/** Parses one member of the delayed set; a member another tool wrote keeps its text as `raw`. */
export function parseDelayedMember(member: string, score: number): DelayedMessage {
  const newline = member.indexOf('\n');
  const id = newline === -1 ? member : member.slice(0, newline);
  let fields: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(member.slice(newline + 1));
    fields = Array.isArray(parsed) ? fieldsToObject(parsed.map(String)) : { raw: member.slice(newline + 1) };
  } catch {
    fields = { raw: member.slice(newline + 1) };
  }
  return { id, dueAt: new Date(score), fields };
}

/** Lists delayed messages, soonest due first, `count` from `offset`. */
export async function listDelayed(connection: Connection, keys: StreamKeys, offset: number, count: number): Promise<DelayedPage> {
  const [total, flat] = await Promise.all([
    connection.send<number>(keys.delayed, ['ZCARD', keys.delayed]).then(Number),
    connection.send<string[]>(keys.delayed, ['ZRANGE', keys.delayed, String(offset), String(offset + count - 1), 'WITHSCORES']),
  ]);
  const messages: DelayedMessage[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) messages.push(parseDelayedMember(String(flat[i]), Number(flat[i + 1])));
  return { total, messages };
}

/** Finds the member of a delayed message by its ID (ZSCAN with the ID as a prefix), or `null`. */
async function findMember(connection: Connection, keys: StreamKeys, id: string): Promise<string | null> {
  const prefix = `${id}\n`;
  const pattern = `${id.replace(/[*?[\]\\]/g, '\\$&')}\n*`;
  let cursor = '0';
  do {
    const [next, items] = await connection.send<[string, string[]]>(keys.delayed, ['ZSCAN', keys.delayed, cursor, 'MATCH', pattern, 'COUNT', '500']);
    cursor = String(next);
    for (let i = 0; i < items.length; i += 2) if (String(items[i]).startsWith(prefix)) return String(items[i]);
  } while (cursor !== '0');
  return null;
}

/** Cancels a delayed message; whether it was still waiting. */
export function cancelDelayedMessage(connection: Connection, keys: StreamKeys, id: string): Promise<boolean> {
  return cancelDelayed(connection, keys, id);
}

/**
 * Makes a delayed message due now and promotes due messages into the stream (promote-delayed.lua,
 * atomic: a producer or consumer promoting at the same time moves it at most once). Whether it was
 * still waiting. Messages that were already due are moved along with it.
 */
export async function runDelayedNow(connection: Connection, keys: StreamKeys, id: string): Promise<boolean> {
  const member = await findMember(connection, keys, id);
  if (member === null) return false;
  // XX: only if still there (a promoter may have moved it since the scan); score 0 = due.
  const changed = Number(await connection.send(keys.delayed, ['ZADD', keys.delayed, 'XX', 'CH', '0', member]));
  const stillThere = changed === 1 || (await connection.send(keys.delayed, ['ZSCORE', keys.delayed, member])) !== null;
  if (!stillThere) return false;
  let moved;
  do moved = await promoteDelayed(connection, keys, 1000);
  while (moved.moved === 1000);
  return true;
}
