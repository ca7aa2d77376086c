/**
 * Searching a stream's dead letters for {@link Admin}: newest first, by reason text, original
 * entry ID or group, in pages, each call reading a bounded number of entries.
 */
import type { DeadLetter } from './admin-types.js';
import { parseDeadLetter } from './admin-dead-letters.js';
import { toEntries } from './commands/replies.js';
import type { Connection } from './connection.js';

/** What {@link searchDeadLetters} looks for (every given criterion must match). */
export interface DeadLetterQuery {
  /** Text the reason contains, case-insensitive. */
  reason?: string;
  /** The original entry ID: exact (`1700000000000-0`) or its milliseconds part (`1700000000000`). */
  originalId?: string;
  /** The group that dead-lettered it, exactly. */
  group?: string;
}

/** A page of dead letters found by {@link searchDeadLetters}. */
export interface DeadLetterSearchPage {
  /** Matches, newest first. */
  deadLetters: DeadLetter[];
  /** Pass as `before` for the next page; `null` when the whole dead-letter stream was read. */
  next: string | null;
  /** Dead letters read to find these. */
  scanned: number;
}

const PAGE = 500;

/** Whether a dead letter matches every criterion of the query. */
export function matchesQuery(letter: DeadLetter, query: DeadLetterQuery): boolean {
  if (query.reason !== undefined && query.reason !== '' && !(letter.reason ?? '').toLowerCase().includes(query.reason.toLowerCase())) return false;
  if (query.group !== undefined && query.group !== '' && letter.group !== query.group) return false;
  if (query.originalId !== undefined && query.originalId !== '') {
    const id = letter.originalId ?? '';
    if (id !== query.originalId && !(!query.originalId.includes('-') && id.startsWith(`${query.originalId}-`))) return false;
  }
  return true;
}

/**
 * Reads dead letters newest first from `before` (exclusive; `+` from the newest) and keeps those
 * matching `query`, until `count` matched or `scanLimit` were read.
 */
export async function searchDeadLetters(
  connection: Connection,
  deadKey: string,
  query: DeadLetterQuery,
  options: { count: number; before: string; scanLimit: number },
): Promise<DeadLetterSearchPage> {
  const found: DeadLetter[] = [];
  let end = options.before === '+' ? '+' : `(${options.before}`;
  let scanned = 0;
  for (;;) {
    const size = Math.min(PAGE, options.scanLimit - scanned);
    const page = toEntries(await connection.send(deadKey, ['XREVRANGE', deadKey, end, '-', 'COUNT', String(size)]));
    for (const entry of page) {
      scanned++;
      const letter = parseDeadLetter(entry.id, entry.fields ?? []);
      if (matchesQuery(letter, query)) found.push(letter);
      if (found.length === options.count) return { deadLetters: found, next: entry.id, scanned };
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < size) return { deadLetters: found, next: null, scanned };
    if (scanned >= options.scanLimit) return { deadLetters: found, next: last.id, scanned };
    end = `(${last.id}`;
  }
}
