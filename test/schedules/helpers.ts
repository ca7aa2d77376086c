/**
 * Helpers of the schedule tests (not a test file itself): reading the ticks a stream holds and
 * checking them — one entry per tick time, no gaps, lateness measured as entry ID time minus
 * tick time (both by Redis's clock: the entry ID is Redis's time when the claim ran).
 */
import { cmd, type RawClient } from '../integration/helpers.js';

/** One tick message as read back from the stream. */
export interface TickEntry {
  id: string;
  /** The entry ID's time part: when Redis appended it. */
  idMs: number;
  schedule: string;
  /** Header `scheduledAt`, in ms. */
  at: number;
  /** Header `missedFrom`, in ms (catch-ups only). */
  missedFrom?: number;
  data: unknown;
  headers: Record<string, string>;
}

/** Every tick message of `stream` (of `schedule` when given), in stream order. */
export async function readTicks(raw: RawClient, stream: string, schedule?: string): Promise<TickEntry[]> {
  const entries = await cmd<[string, string[]][]>(raw, 'XRANGE', stream, '-', '+');
  return entries.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    const headers = JSON.parse(fields.h ?? '{}') as Record<string, string>;
    const entry: TickEntry = {
      id, idMs: Number(id.split('-')[0]), schedule: headers.schedule ?? '', at: Date.parse(headers.scheduledAt ?? ''),
      data: JSON.parse(fields.d ?? 'null') as unknown, headers,
    };
    if (headers.missedFrom !== undefined) entry.missedFrom = Date.parse(headers.missedFrom);
    return entry;
  }).filter((entry) => schedule === undefined || entry.schedule === schedule);
}

/** Tick times that occur more than once. */
export function duplicates(entries: readonly TickEntry[]): number[] {
  const seen = new Set<number>();
  const twice = new Set<number>();
  for (const entry of entries) (seen.has(entry.at) ? twice : seen).add(entry.at);
  return [...twice];
}

/** Tick times missing between the first and the last tick of an interval schedule. */
export function gaps(entries: readonly TickEntry[], everyMs: number): number[] {
  const times = new Set(entries.map((e) => e.at));
  const sorted = [...times].sort((a, b) => a - b);
  const missing: number[] = [];
  if (sorted.length === 0) return missing;
  for (let at = sorted[0] as number; at <= (sorted.at(-1) as number); at += everyMs) if (!times.has(at)) missing.push(at);
  return missing;
}

/** Lateness of each entry (entry ID time − tick time), in ms. */
export const lateness = (entries: readonly TickEntry[]): number[] => entries.map((e) => e.idMs - e.at);

/** Percentile of `values` (0–100), nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
