/** XAUTOCLAIM: take over entries idle for at least `minIdleMs`, following a cursor. */
import { toEntries, type RawEntry } from './replies.js';

/** One XAUTOCLAIM page. */
export interface AutoClaimPage {
  /** Cursor for the next call; `0-0` when the PEL has been scanned to its end. */
  next: string;
  /** Entries now owned by the claiming consumer (their delivery counter was incremented). */
  claimed: RawEntry[];
  /** IDs that were pending but no longer exist in the stream (trimmed or deleted). */
  deleted: string[];
}

/** Arguments of XAUTOCLAIM. */
export function xautoclaimArgs(stream: string, group: string, consumer: string, minIdleMs: number, cursor: string, count: number): string[] {
  return ['XAUTOCLAIM', stream, group, consumer, String(Math.max(0, Math.floor(minIdleMs))), cursor, 'COUNT', String(count)];
}

/** Parses an XAUTOCLAIM reply (the third element exists on Redis ≥ 7). */
export function parseXautoclaim(reply: unknown): AutoClaimPage {
  const [next, entries, deleted] = reply as [string, unknown, string[] | undefined];
  const claimed = toEntries(entries).filter((entry) => entry.id !== '');
  return { next: String(next), claimed, deleted: (deleted ?? []).map(String) };
}
