/**
 * The features torture run (`npm run torture -- --config features`): what the parent and its
 * consumer processes share — the payloads, the two groups and how each consumes, the worker's
 * start-up parameters. Ledger lines and IPC messages are the classic run's (protocol.ts).
 */
import { prng } from './protocol.js';

/** The payload of one features message. */
export interface FeaturesPayload {
  /** The message number, 0 … n-1. */
  n: number;
  /** Sent with `delayMs` (this delay). */
  delayMs?: number;
  /** Sent twice with this `dedupKey`. */
  dedup?: string;
}

/** How the consumers of a group take messages. */
export type FeaturesMode = 'batch' | 'iterator';

/** The two groups: one consumes with a `batchHandler`, the other with `for await`; both `deleteOnAck`. */
export const FEATURE_GROUPS: readonly { group: string; mode: FeaturesMode }[] = [
  { group: 'batches', mode: 'batch' },
  { group: 'iterators', mode: 'iterator' },
];

/** Start-up parameters of one features worker (passed base64 JSON in argv[2]). */
export interface FeaturesWorkerInit {
  url: string;
  stream: string;
  group: string;
  mode: FeaturesMode;
  name: string;
  ledger: string;
  visibilityTimeoutMs: number;
  concurrency: number;
  batchSize: number;
}

/** How a run's payloads are drawn. */
export interface PayloadMix {
  seed: number;
  /** Share of messages sent with `delayMs`. */
  delayedRate: number;
  /** Longest delay, in ms (delays are uniform in 1 … maxDelayMs). */
  maxDelayMs: number;
  /** Share of messages sent twice with a `dedupKey` (never also delayed: a delayed send ignores the key). */
  dedupRate: number;
}

/** The payloads of a run, deterministic for a seed. */
export function makeFeaturesPayloads(count: number, mix: PayloadMix): FeaturesPayload[] {
  const random = prng(mix.seed);
  const payloads: FeaturesPayload[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const payload: FeaturesPayload = { n: i };
    const r = random();
    if (r < mix.delayedRate) payload.delayMs = 1 + Math.floor(random() * mix.maxDelayMs);
    else if (r < mix.delayedRate + mix.dedupRate) payload.dedup = `k${i}`;
    payloads[i] = payload;
  }
  return payloads;
}
