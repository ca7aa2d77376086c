/** XREADGROUP: read new (`>`) or own pending (`0`, an ID) entries of one stream for a consumer. */
import { toEntries, type RawEntry } from './replies.js';

/** Arguments of XREADGROUP for one stream. `blockMs` undefined → no BLOCK. */
export function xreadgroupArgs(stream: string, group: string, consumer: string, id: string, count: number, blockMs?: number): string[] {
  const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count)];
  if (blockMs !== undefined) args.push('BLOCK', String(blockMs));
  args.push('STREAMS', stream, id);
  return args;
}

/** The entries of the one stream read; `[]` on a timeout (nil reply). */
export function parseXreadgroup(reply: unknown): RawEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    const first = reply[0] as [string, unknown] | undefined;
    return first ? toEntries(first[1]) : [];
  }
  const values = reply instanceof Map ? [...reply.values()] : Object.values(reply as object);
  return values.length > 0 ? toEntries(values[0]) : [];
}
