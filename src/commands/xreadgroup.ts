/** XREADGROUP: read new (`>`) or own pending (`0`, an ID) entries of one or more streams for a consumer. */
import { toEntries, type RawEntry } from './replies.js';

/** Arguments of XREADGROUP for one stream. `blockMs` undefined → no BLOCK. */
export function xreadgroupArgs(stream: string, group: string, consumer: string, id: string, count: number, blockMs?: number): string[] {
  return xreadgroupManyArgs([stream], group, consumer, [id], count, blockMs);
}

/** Arguments of XREADGROUP over several streams (all in one cluster slot), each from its own ID. */
export function xreadgroupManyArgs(streams: readonly string[], group: string, consumer: string, ids: readonly string[], count: number, blockMs?: number): string[] {
  const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count)];
  if (blockMs !== undefined) args.push('BLOCK', String(blockMs));
  args.push('STREAMS', ...streams, ...ids);
  return args;
}

/** The entries of the one stream read; `[]` on a timeout (nil reply). */
export function parseXreadgroup(reply: unknown): RawEntry[] {
  for (const entries of parseXreadgroupMany(reply).values()) return entries;
  return [];
}

/** The entries read per stream (streams with nothing are absent); empty on a timeout (nil reply). */
export function parseXreadgroupMany(reply: unknown): Map<string, RawEntry[]> {
  const byStream = new Map<string, RawEntry[]>();
  if (reply === null || reply === undefined) return byStream;
  if (Array.isArray(reply)) {
    for (const item of reply as [string, unknown][]) byStream.set(String(item[0]), toEntries(item[1]));
    return byStream;
  }
  const pairs = reply instanceof Map ? [...reply.entries()] : Object.entries(reply as object);
  for (const [stream, entries] of pairs) byStream.set(String(stream), toEntries(entries));
  return byStream;
}
