/** XPENDING (extended form): pending entries with owner, idle time and delivery counter. */
import { toNumber } from './replies.js';

/** One pending entry. */
export interface PendingInfo {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

/** Arguments of the extended XPENDING form. */
export function xpendingArgs(stream: string, group: string, start: string, end: string, count: number, options: { consumer?: string; minIdleMs?: number } = {}): string[] {
  const args = ['XPENDING', stream, group];
  if (options.minIdleMs !== undefined) args.push('IDLE', String(options.minIdleMs));
  args.push(start, end, String(count));
  if (options.consumer !== undefined) args.push(options.consumer);
  return args;
}

/** Parses the extended XPENDING reply. */
export function parseXpending(reply: unknown): PendingInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((row) => {
    const [id, consumer, idle, deliveries] = row as [string, string, unknown, unknown];
    return { id: String(id), consumer: String(consumer), idleMs: toNumber(idle), deliveries: toNumber(deliveries) };
  });
}
