/**
 * Configuration of the features torture run: the large one (`npm run torture -- --config
 * features`), the small one `npm test` runs, and the flags that override either.
 */
import type { ChaosPlan } from './chaos.js';
import type { PayloadMix } from './features-protocol.js';
import { parseFlags, type NumericKeys } from './config.js';

/** Everything one features run is parameterised by. */
export interface FeaturesConfig extends ChaosPlan, PayloadMix {
  /** Messages to send (dedup messages are sent twice, each counted once). */
  n: number;
  /** Consumer processes alive at any time in each of the two groups. */
  consumersPerGroup: number;
  visibilityTimeoutMs: number;
  /** Consumer `concurrency` of the iterator group. */
  concurrency: number;
  /** Consumer `concurrency` (batches at once) of the batch group. */
  batchConcurrency: number;
  /** `batchSize` of the batch group's consumers. */
  batchSize: number;
  /** The producer's `retention.maxLen` (safe trims after sends). */
  maxLen: number;
  /** Producer sends in flight at once. */
  sendConcurrency: number;
  /** Most messages sent and not yet handled by the slower group. */
  backlog: number;
  /** After everything was sent, how long to wait for both groups to settle. */
  settleTimeoutMs: number;
  /**
   * How much earlier than its due time a delayed message may be handled, in ms: the due time is
   * taken from the sender's clock before its first attempt and the promotion compares the
   * promoter's clock (same machine) at millisecond resolution, so 1 ms of rounding.
   */
  earlyToleranceMs: number;
  /**
   * Most consumer-side duplicates allowed, as a share of handled entries (over both groups). A
   * SIGKILLed batch consumer can hold up to batchConcurrency × batchSize + batchSize entries, all
   * handled and their acks not landed (measured: 566 of 12 000 handlings, 4.8 %, from one consumer
   * with 16 × 50 batches killed 50 ms after a cut), so this bound is loose; the duplicates no
   * fault explains are held to {@link FeaturesConfig.maxUnexplainedDuplicateRate}.
   */
  maxDuplicateRate: number;
  /** Most duplicates no kill, outage or cut explains, as a share of handled entries. */
  maxUnexplainedDuplicateRate: number;
  keep: boolean;
  verbose: boolean;
}

/** The large run: `npm run torture -- --config features`. */
export const FEATURES_FULL: FeaturesConfig = {
  n: 100_000,
  consumersPerGroup: 3,
  seed: 20_251_127,
  delayedRate: 0.1,
  maxDelayMs: 5_000,
  dedupRate: 0.1,
  visibilityTimeoutMs: 2_000,
  concurrency: 16,
  batchConcurrency: 4,
  batchSize: 50,
  maxLen: 2_000,
  redisKills: 2,
  redisDowntimeMs: [300, 1_500],
  cuts: 4,
  consumerKillEveryMs: 3_000,
  minConsumerKills: 6,
  sendConcurrency: 64,
  backlog: 5_000,
  settleTimeoutMs: 120_000,
  earlyToleranceMs: 1,
  maxDuplicateRate: 0.1,
  maxUnexplainedDuplicateRate: 0.005,
  keep: false,
  verbose: true,
};

/** The small run inside `npm test` (well under a minute): one Redis restart, two cuts, a few kills. */
export const FEATURES_SMALL: FeaturesConfig = {
  ...FEATURES_FULL,
  n: 6_000,
  consumersPerGroup: 2,
  maxDelayMs: 2_000,
  maxLen: 500,
  redisKills: 1,
  cuts: 2,
  consumerKillEveryMs: 2_500,
  minConsumerKills: 4,
  backlog: 1_500,
  settleTimeoutMs: 45_000,
  verbose: false,
};


const FLAGS: Record<string, NumericKeys<FeaturesConfig>> = {
  '--n': 'n', '--consumers': 'consumersPerGroup', '--seed': 'seed', '--redis-kills': 'redisKills', '--cuts': 'cuts',
  '--kill-every': 'consumerKillEveryMs', '--min-kills': 'minConsumerKills', '--vt': 'visibilityTimeoutMs', '--max-len': 'maxLen',
  '--delayed-rate': 'delayedRate', '--max-delay': 'maxDelayMs', '--dedup-rate': 'dedupRate', '--backlog': 'backlog',
  '--settle-timeout': 'settleTimeoutMs', '--max-duplicate-rate': 'maxDuplicateRate',
};

const USAGE = `Usage: npm run torture -- --config features [--small] [${Object.keys(FLAGS).map((f) => `${f} X`).join('] [')}] [--keep] [--quiet]`;

/** Parses the flags (after `--config features`) over the large (or, with `--small`, the small) configuration. */
export function parseFeaturesArgs(argv: readonly string[]): FeaturesConfig {
  const config = parseFlags(argv, { small: FEATURES_SMALL, full: FEATURES_FULL }, FLAGS, USAGE);
  if (!Number.isInteger(config.consumersPerGroup) || config.consumersPerGroup < 1) throw new Error(`--consumers must be a positive integer\n${USAGE}`);
  return config;
}
