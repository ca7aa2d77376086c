/**
 * Typed wrappers of the schedule scripts (src/scripts/upsert-schedule.lua, claim-schedule.lua,
 * remove-schedule.lua): each builds its KEYS from {@link ScheduleKeys} and turns the reply into a value.
 */
import { DATA_FIELD, HEADERS_FIELD } from '../codec.js';
import type { Connection } from '../connection.js';
import type { ScheduleKeys } from '../keys.js';
import { LuaScript } from '../scripts/script.js';

const scripts = {
  upsert: new LuaScript('upsert-schedule'),
  claim: new LuaScript('claim-schedule'),
  remove: new LuaScript('remove-schedule'),
};

/** Reply of {@link upsertSchedule}. */
export interface UpsertReply {
  outcome: 'created' | 'updated' | 'unchanged';
  /** The next due time after the upsert, `null` when there is none. */
  nextDue: number | null;
}

const dueOf = (value: string): number | null => (value === '' ? null : Number(value));

/** Creates or changes a schedule (see upsert-schedule.lua for when the next due time is kept). */
export async function upsertSchedule(
  connection: Connection, keys: ScheduleKeys,
  schedule: { name: string; json: string; revision: string; specKey: string; firstDue: number | null },
): Promise<UpsertReply> {
  const [outcome, nextDue] = await scripts.upsert.run<[UpsertReply['outcome'], string]>(connection, [keys.definitions, keys.revisions, keys.next], [
    schedule.name, schedule.json, schedule.revision, schedule.specKey, schedule.firstDue === null ? '' : String(schedule.firstDue),
  ]);
  return { outcome, nextDue: dueOf(String(nextDue)) };
}

/** Deletes a schedule and its state; resolves true when it existed. */
export async function removeSchedule(connection: Connection, keys: ScheduleKeys, name: string): Promise<boolean> {
  return Number(await scripts.remove.run<number>(connection, [keys.definitions, keys.revisions, keys.next, keys.last], [name])) === 1;
}

/** One claim: the tick it is for, the messages (tick ms, headers JSON) and the next due time after them. */
export interface ClaimRequest {
  name: string;
  revision: string;
  /** The stored next due time this claim is for. */
  expectedDue: number;
  nextDue: number | null;
  /** The payload as JSON text. */
  payload: string;
  /** The entries to append, oldest first (at least one). */
  ticks: readonly { at: number; headers: string }[];
}

/** Outcome of {@link claimSchedule}. */
export type ClaimReply =
  | { status: 'sent'; nextDue: number | null; redisNow: number; ids: string[] }
  | { status: 'stale' }
  | { status: 'taken'; currentDue: number | null }
  | { status: 'early'; redisNow: number };

/** Appends the claimed ticks and advances the next due time, atomically, unless the claim lost. */
export async function claimSchedule(connection: Connection, keys: ScheduleKeys, claim: ClaimRequest): Promise<ClaimReply> {
  const args = [
    claim.name, claim.revision, String(claim.expectedDue), claim.nextDue === null ? '' : String(claim.nextDue),
    DATA_FIELD, claim.payload, HEADERS_FIELD,
  ];
  for (const tick of claim.ticks) args.push(String(tick.at), tick.headers);
  const reply = (await scripts.claim.run<string[]>(connection, [keys.stream, keys.revisions, keys.next, keys.last], args)).map(String);
  const [status = '', first = '', second = ''] = reply;
  switch (status) {
    case 'sent': return { status, nextDue: dueOf(first), redisNow: Number(second), ids: reply.slice(3) };
    case 'stale': return { status };
    case 'taken': return { status, currentDue: dueOf(first) };
    case 'early': return { status, redisNow: Number(first) };
    default: throw new Error(`claim-schedule replied ${JSON.stringify(status)}`);
  }
}
