/**
 * What the torture parent and its consumer processes share: the payload of each message, the
 * worker's start-up parameters, the IPC messages, and the ledger line format.
 *
 * Ledger: each worker appends one line per event to its own file, with a synchronous write to an
 * O_APPEND descriptor (in the kernel before the handler resolves, so a SIGKILL right after still
 * leaves it):  `S|H|F <entry id> <message number> <deliveries> <ms since epoch>`
 *   S  handler started   H  handled (written before the handler resolves)   F  poison: handler threw
 */
import type { CounterValues } from '../../src/index.js';

/** The payload of one torture message. */
export interface TorturePayload {
  /** The message number, 0 … n-1. */
  n: number;
  /** Poison: the handler always throws. */
  p?: 1;
  /** How long the handler runs, in ms. */
  ms?: number;
}

/** Start-up parameters of one worker (passed base64 JSON in argv[2]). */
export interface WorkerInit {
  url: string;
  stream: string;
  group: string;
  /** Consumer name (reused by some replacements, to exercise the own-pending re-read). */
  name: string;
  /** This process's ledger file. */
  ledger: string;
  visibilityTimeoutMs: number;
  maxDeliveries: number;
  concurrency: number;
  retryDelayMs: number;
}

/** Worker → parent. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'stats'; started: number; handled: number; failed: number; counters: CounterValues; errors: Record<string, number>; warnings: number; startAttempts: number }
  | { type: 'closed' };

/** Parent → worker. */
export type ParentMessage = { type: 'close' };

/** One parsed ledger line. */
export interface LedgerEvent {
  kind: 'S' | 'H' | 'F';
  id: string;
  n: number;
  deliveries: number;
  at: number;
}

/** Formats a ledger line. */
export function ledgerLine(kind: LedgerEvent['kind'], id: string, n: number, deliveries: number, at: number): string {
  return `${kind} ${id} ${n} ${deliveries} ${at}\n`;
}

/** Parses a ledger file's text; a torn last line (cannot happen with one write() per line, but cheap to tolerate) is skipped. */
export function parseLedger(text: string): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts.length !== 5) continue;
    const [kind, id, n, deliveries, at] = parts as [string, string, string, string, string];
    if (kind !== 'S' && kind !== 'H' && kind !== 'F') continue;
    events.push({ kind, id, n: Number(n), deliveries: Number(deliveries), at: Number(at) });
  }
  return events;
}

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether message `i` is poison: exactly floor(n · rate) of the first n are, evenly spread. */
export function isPoison(i: number, rate: number): boolean {
  return Math.floor((i + 1) * rate) !== Math.floor(i * rate);
}

/**
 * The payloads of a run, deterministic for a seed: handler durations are 0 ms for 70% (no await),
 * 1–5 ms for 25%, 5–100 ms for ~5%, and 1.3–2× the visibility timeout for `longRate`.
 */
export function makePayloads(count: number, options: { seed: number; poisonRate: number; longRate: number; visibilityTimeoutMs: number }): TorturePayload[] {
  const random = prng(options.seed);
  const payloads: TorturePayload[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const payload: TorturePayload = { n: i };
    if (isPoison(i, options.poisonRate)) payload.p = 1;
    const r = random();
    if (r < options.longRate) payload.ms = Math.round(options.visibilityTimeoutMs * (1.3 + 0.7 * random()));
    else if (r < 0.05) payload.ms = 5 + Math.floor(95 * random());
    else if (r < 0.3) payload.ms = 1 + Math.floor(5 * random());
    payloads[i] = payload;
  }
  return payloads;
}
