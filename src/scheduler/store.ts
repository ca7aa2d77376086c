/**
 * How schedules are kept in Redis (keys from src/keys.ts `scheduleKeys`, all in the stream's
 * slot): a definition per name (JSON), its revision, its next due time, its last sent tick.
 * Definitions are written by upsert-schedule.lua and read here, by schedulers and by Admin.
 */
import { createHash } from 'node:crypto';
import type { Connection } from '../connection.js';
import { fieldsToObject, type Headers } from '../codec.js';
import { DecodeError } from '../errors.js';
import type { ScheduleKeys } from '../keys.js';
import { timetable, type Timetable } from './spec.js';
import type { MissedPolicy, ScheduleInfo, ScheduleSpec } from './types.js';

/** Format version of stored definitions. */
const DEFINITION_VERSION = 1;

/** A definition as stored (JSON in the definitions hash). */
interface StoredDefinition {
  v: number;
  /** The spec's canonical key: upsert-schedule.lua keeps the next due time while it is unchanged. */
  specKey: string;
  spec: ScheduleSpec;
  missed: MissedPolicy;
  /** The payload as JSON text (the stream's `d` field). */
  payload: string;
  headers: Headers;
  updatedAt: number;
}

/** A schedule's definition, parsed. */
export interface Definition {
  readonly table: Timetable;
  readonly missed: MissedPolicy;
  /** The payload as JSON text. */
  readonly payload: string;
  readonly headers: Headers;
  readonly updatedAt: number;
}

/** Headers with their keys sorted, so equal headers always encode alike. */
const sortedHeaders = (headers: Headers): Headers =>
  Object.fromEntries(Object.keys(headers).sort().map((key) => [key, headers[key] as string]));

/** The stored JSON and revision of a definition. The revision hashes the content only, not the time. */
export function encodeDefinition(table: Timetable, missed: MissedPolicy, payload: string, headers: Headers, now: number): { json: string; revision: string } {
  const sorted = sortedHeaders(headers);
  const stored: StoredDefinition = { v: DEFINITION_VERSION, specKey: table.key, spec: table.spec, missed, payload, headers: sorted, updatedAt: now };
  const revision = createHash('sha1').update(JSON.stringify([DEFINITION_VERSION, table.key, missed, payload, sorted])).digest('hex').slice(0, 20);
  return { json: JSON.stringify(stored), revision };
}

const MISSED_POLICIES: readonly string[] = ['skip', 'once', 'all'];

/** Parses a stored definition; throws {@link DecodeError} naming the schedule when it cannot be read. */
export function decodeDefinition(name: string, json: string): Definition {
  let stored: StoredDefinition;
  try {
    stored = JSON.parse(json) as StoredDefinition;
    if (stored === null || typeof stored !== 'object' || stored.v !== DEFINITION_VERSION) throw new Error(`unknown format version ${String(stored?.v)}`);
    if (!MISSED_POLICIES.includes(stored.missed) || typeof stored.payload !== 'string') throw new Error('missing fields');
    return { table: timetable(stored.spec), missed: stored.missed, payload: stored.payload, headers: stored.headers ?? {}, updatedAt: Number(stored.updatedAt) };
  } catch (error) {
    throw new DecodeError(`Schedule ${JSON.stringify(name)} has an unreadable definition (${(error as Error).message}); upsert it again or remove it`, { cause: error });
  }
}

/**
 * An HGETALL reply → field → value. A single-node client answers a flat `[field, value, …]`
 * list; node-redis's cluster client answers an object.
 */
export function hashReply(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) return fieldsToObject(reply as string[]);
  const entries = reply instanceof Map ? [...reply.entries()] : Object.entries((reply ?? {}) as Record<string, unknown>);
  return fieldsToObject(entries.flatMap(([field, value]) => [String(field), String(value)]));
}

/**
 * A ZRANGE … WITHSCORES reply → member → score. A single-node client answers a flat
 * `[member, score, …]` list; node-redis's cluster client answers `[[member, score], …]`.
 */
export function scoresReply(reply: unknown): Map<string, number> {
  const scores = new Map<string, number>();
  const items = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (items.length > 0 && Array.isArray(items[0])) {
    for (const [member, score] of items as [unknown, unknown][]) scores.set(String(member), Number(score));
    return scores;
  }
  for (let i = 0; i + 1 < items.length; i += 2) scores.set(String(items[i]), Number(items[i + 1]));
  return scores;
}

/** `"<tick ms> <entry ID>"` → its parts. */
export function parseLast(value: string | undefined): { tick: number; id: string } | null {
  if (value === undefined) return null;
  const space = value.indexOf(' ');
  return space === -1 ? null : { tick: Number(value.slice(0, space)), id: value.slice(space + 1) };
}

/** Every schedule of a stream with its state, sorted by name. */
export async function readSchedules(connection: Connection, keys: ScheduleKeys): Promise<ScheduleInfo[]> {
  const [definitions, next, last] = await Promise.all([
    connection.send<unknown>(keys.definitions, ['HGETALL', keys.definitions]),
    connection.send<unknown>(keys.next, ['ZRANGE', keys.next, '0', '-1', 'WITHSCORES']),
    connection.send<unknown>(keys.last, ['HGETALL', keys.last]),
  ]);
  const dues = scoresReply(next);
  const lasts = hashReply(last);
  return Object.entries(hashReply(definitions))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, json]) => {
      const definition = decodeDefinition(name, json);
      const sent = parseLast(lasts[name]);
      const due = dues.get(name);
      return {
        name,
        spec: { ...definition.table.spec },
        missed: definition.missed,
        nextRunAt: due === undefined ? null : new Date(due),
        lastTickAt: sent === null ? null : new Date(sent.tick),
        lastEntryId: sent?.id ?? null,
        data: JSON.parse(definition.payload) as unknown,
        headers: { ...definition.headers },
        updatedAt: new Date(definition.updatedAt),
      };
    });
}
