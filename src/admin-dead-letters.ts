/**
 * Reading the dead-letter stream for {@link Admin}: parsing one entry without ever throwing on a
 * malformed one, and walking "every dead letter that exists now" page by page.
 */
import type { DeadLetter } from './admin-types.js';
import { toEntries } from './commands/replies.js';
import { fieldsToObject } from './codec.js';
import type { Connection } from './connection.js';

/** The metadata fields dead-letter.lua writes, in the order it writes them, before the original fields. */
export const DEAD_LETTER_META = ['dead.id', 'dead.group', 'dead.reason', 'dead.deliveries', 'dead.consumer', 'dead.at', 'dead.priority'] as const;

const ENTRY_ID = /^\d+-\d+$/;

/** A non-negative integer from a metadata value, or `null` when it is missing or not one. */
const integerOrNull = (value: string | undefined): number | null => (value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : null);

/** A time from a milliseconds value, or `null` when it is missing or not a valid time. */
const dateOrNull = (value: string | undefined): Date | null => {
  const ms = integerOrNull(value);
  if (ms === null) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date;
};

/**
 * Splits a dead-letter entry's flat fields into its metadata and the original fields. The
 * metadata pairs are matched by name in the order dead-letter.lua writes them, so an entry that
 * lacks one (written by another tool, or edited) keeps every other value in its place, and an
 * original field that happens to be named `dead.id` after them stays an original field.
 */
export function splitDeadLetterFields(flat: readonly string[]): { meta: Partial<Record<(typeof DEAD_LETTER_META)[number], string>>; rest: string[] } {
  const meta: Partial<Record<(typeof DEAD_LETTER_META)[number], string>> = {};
  let at = 0;
  for (const name of DEAD_LETTER_META) {
    if (flat[at] === name && at + 1 < flat.length) {
      meta[name] = flat[at + 1];
      at += 2;
    }
  }
  return { meta, rest: originalFields(flat.slice(at)) };
}

/** The original fields after the metadata: verbatim, or (an entry too wide for a Lua call to copy) one JSON array in `dead.fields`. */
function originalFields(rest: string[]): string[] {
  if (rest.length !== 2 || rest[0] !== 'dead.fields') return rest;
  try {
    const parsed: unknown = JSON.parse(rest[1] as string);
    return Array.isArray(parsed) ? parsed.map(String) : rest;
  } catch {
    return rest;
  }
}

/**
 * Parses one dead-letter entry. Never throws: a metadata field that is missing or malformed
 * (`dead.at: nope`, no `dead.id`, a non-numeric `dead.deliveries`) becomes `null`.
 */
export function parseDeadLetter(id: string, flat: readonly string[]): DeadLetter {
  const { meta, rest } = splitDeadLetterFields(flat);
  const originalId = meta['dead.id'];
  return {
    id,
    originalId: originalId !== undefined && ENTRY_ID.test(originalId) ? originalId : null,
    group: meta['dead.group'] ?? null,
    reason: meta['dead.reason'] ?? null,
    deliveries: integerOrNull(meta['dead.deliveries']),
    consumer: meta['dead.consumer'] ?? null,
    failedAt: dateOrNull(meta['dead.at']),
    priority: meta['dead.priority'] ?? null,
    fields: fieldsToObject(rest),
  };
}

/** The ID of the newest dead letter, or `null` when there is none. */
export async function lastDeadLetterId(connection: Connection, deadKey: string): Promise<string | null> {
  const [last] = toEntries(await connection.send(deadKey, ['XREVRANGE', deadKey, '+', '-', 'COUNT', '1']));
  return last === undefined || last.id === '' ? null : last.id;
}

/**
 * Calls `each` with the IDs of every dead letter that exists when it starts, oldest first, in
 * pages of `pageSize`, each ID once. The newest ID is read first as a snapshot and pages are
 * taken by ID range up to it, so dead letters added meanwhile (a replayed message that fails
 * again at once) are left for the next run instead of being processed again and again.
 * @returns the sum of what `each` returned.
 */
export async function forEachDeadLetterPage(
  connection: Connection,
  deadKey: string,
  each: (ids: string[]) => Promise<number>,
  pageSize = 500,
): Promise<number> {
  const snapshot = await lastDeadLetterId(connection, deadKey);
  if (snapshot === null) return 0;
  let done = 0;
  let start = '-';
  for (;;) {
    const page = toEntries(await connection.send(deadKey, ['XRANGE', deadKey, start, snapshot, 'COUNT', String(pageSize)]));
    const ids = page.map((entry) => entry.id);
    const last = ids[ids.length - 1];
    if (last === undefined) return done;
    done += await each(ids);
    if (last === snapshot || ids.length < pageSize) return done;
    start = `(${last}`;
  }
}
