/**
 * Operator actions on pending entries for {@link Admin}: hand entries to another consumer
 * (XCLAIM), acknowledge them (XACK), or move one to the dead letters (dead-letter.lua).
 */
import type { Connection } from './connection.js';
import type { StreamKeys } from './keys.js';
import { deadLetter, type DeadLetterOutcome } from './scripts/index.js';
import { parseXpending, xpendingArgs } from './commands/xpending.js';

/**
 * Gives pending entries to `consumer` (XCLAIM, min-idle 0, JUSTID: the delivery counter is not
 * bumped, the new owner's lease starts now). Returns the IDs that were claimed; an ID no longer
 * pending is left out.
 */
export async function claimEntries(connection: Connection, keys: StreamKeys, group: string, consumer: string, ids: readonly string[]): Promise<string[]> {
  const reply = await connection.send<string[]>(keys.stream, ['XCLAIM', keys.stream, group, consumer, '0', ...ids, 'JUSTID']);
  return reply.map(String);
}

/** Acknowledges entries of a group (XACK); returns how many were pending. */
export async function ackEntries(connection: Connection, keys: StreamKeys, group: string, ids: readonly string[]): Promise<number> {
  return Number(await connection.send(keys.stream, ['XACK', keys.stream, group, ...ids]));
}

/**
 * Moves one pending entry to the dead letters with `reason`, acknowledging it, atomically.
 * The dead letter records the entry's owner and delivery counter as XPENDING reports them.
 * `not-pending` when no consumer of the group holds it (acknowledged meanwhile).
 */
export async function deadLetterEntry(connection: Connection, keys: StreamKeys, group: string, id: string, reason: string): Promise<DeadLetterOutcome> {
  const [entry] = parseXpending(await connection.send(keys.stream, xpendingArgs(keys.stream, group, id, id, 1, {})));
  if (entry === undefined) return 'not-pending';
  return deadLetter(connection, keys, { group, id, reason, deliveries: entry.deliveries, consumer: entry.consumer, maxLen: 0 });
}
