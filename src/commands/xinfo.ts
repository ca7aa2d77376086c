/** XINFO STREAM / GROUPS / CONSUMERS, and XLEN, turned into typed objects. */
import type { ConsumerInfo, GroupStats } from '../admin-types.js';
import { toNumber, toNumberOrNull, toRecord } from './replies.js';

/** Parses XINFO GROUPS. */
export function parseXinfoGroups(reply: unknown): GroupStats[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const group = toRecord(raw);
    return {
      name: String(group.name),
      consumers: toNumber(group.consumers),
      pending: toNumber(group.pending),
      lag: toNumberOrNull(group.lag),
      lastDeliveredId: String(group['last-delivered-id']),
      entriesRead: toNumberOrNull(group['entries-read']),
    };
  });
}

/** Parses XINFO CONSUMERS. */
export function parseXinfoConsumers(reply: unknown): ConsumerInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const consumer = toRecord(raw);
    return {
      name: String(consumer.name),
      pending: toNumber(consumer.pending),
      idleMs: toNumber(consumer.idle),
      inactiveMs: toNumberOrNull(consumer.inactive),
    };
  });
}

/** The parts of XINFO STREAM that streamq reports. */
export interface StreamInfo {
  length: number;
  firstId: string | null;
  lastId: string | null;
}

/** Parses XINFO STREAM (plain form). */
export function parseXinfoStream(reply: unknown): StreamInfo {
  const info = toRecord(reply);
  const idOf = (entry: unknown): string | null => (Array.isArray(entry) ? String(entry[0]) : null);
  const length = toNumber(info.length);
  return { length, firstId: idOf(info['first-entry']), lastId: length > 0 ? idOf(info['last-entry']) : null };
}
