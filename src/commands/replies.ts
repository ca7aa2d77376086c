/**
 * Raw reply shapes → plain values. streamq sends raw commands, so replies arrive as RESP2 arrays
 * (clients streamq creates) or RESP3 maps (a user's client); these helpers accept both.
 */

/** One stream entry as Redis returns it; `fields` is `null` for an entry deleted while pending. */
export interface RawEntry {
  id: string;
  fields: string[] | null;
}

/** RESP2 flat `[k, v, …]`, a RESP3 object or a Map → a plain record. */
export function toRecord(reply: unknown): Record<string, unknown> {
  if (reply === null || reply === undefined) return {};
  if (reply instanceof Map) return Object.fromEntries(reply) as Record<string, unknown>;
  if (Array.isArray(reply)) {
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = reply[i + 1];
    return record;
  }
  return reply as Record<string, unknown>;
}

/** Entries `[[id, [f, v, …]], …]` → {@link RawEntry}[]. */
export function toEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: RawEntry[] = new Array(reply.length);
  for (let i = 0; i < reply.length; i++) {
    const item = reply[i] as [string, string[] | null] | null;
    entries[i] = item === null ? { id: '', fields: null } : { id: String(item[0]), fields: item[1] === null ? null : (item[1] as string[]) };
  }
  return entries;
}

/** A number from an integer or bulk-string reply; `null` for a nil reply. */
export function toNumberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}

/** A number from an integer or bulk-string reply (nil → 0). */
export function toNumber(value: unknown): number {
  return toNumberOrNull(value) ?? 0;
}
