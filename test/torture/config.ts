/**
 * Torture-run configuration: the full run (`npm run torture`), the small one `npm test` runs, and
 * the command-line flags that override either.
 */

/** Everything one torture run is parameterised by. */
export interface TortureConfig {
  /** Messages to send. */
  n: number;
  /** Consumer processes alive at any time (one group). */
  consumers: number;
  /** Share of poison messages (their handler always throws). Exactly `round(n · rate)` are sent. */
  poisonRate: number;
  /** Share of handlers that run longer than the visibility timeout (1.3–2× it). */
  longHandlerRate: number;
  /** Seed of the payload generator (which messages are poison, how long each handler runs). */
  seed: number;
  /** Consumer `visibilityTimeoutMs`. */
  visibilityTimeoutMs: number;
  /**
   * Consumer `maxDeliveries`. Deliveries that never produced an outcome (the consumer was killed)
   * count too, by design — a message that kills its consumer every time is a poison pill. With a
   * consumer SIGKILLed every ~3 s, a 3–4 s handler is cut short about half the time, so 5 would
   * dead-letter a few healthy long-running messages per full run (measured: 14 of 181); 10 makes
   * that practically impossible while poison messages still prove the count is exact.
   */
  maxDeliveries: number;
  /** Consumer `concurrency` (handlers at once per process). */
  concurrency: number;
  /** Fixed retry delay of failed (poison) messages, in ms. */
  retryDelayMs: number;
  /** Redis SIGKILLs (each followed by a restart on the same port and data directory). */
  redisKills: number;
  /** How long Redis stays down after each kill, in ms: [min, max]. */
  redisDowntimeMs: [number, number];
  /** Times every proxied connection is cut. */
  cuts: number;
  /** Mean time between consumer SIGKILLs, in ms (each one gets a replacement at once). */
  consumerKillEveryMs: number;
  /** At least this many consumer SIGKILLs, spread over the run even when it is short. */
  minConsumerKills: number;
  /** Producer sends in flight at once. */
  sendConcurrency: number;
  /** Most messages sent and not yet handled (flow control, so faults hit producer and consumers alike). */
  backlog: number;
  /** After everything was sent, how long to wait for every message to be settled before giving up. */
  settleTimeoutMs: number;
  /**
   * Most consumer-side duplicates allowed, as a share of handled entries. Measured on this
   * configuration: 0.1 % (19 of 19 928) in a small run; 0.5 % is the bound.
   */
  maxDuplicateRate: number;
  /** Keep the run directory (Redis data, ledgers, logs) even when the run passes. */
  keep: boolean;
  /** Print progress lines. */
  verbose: boolean;
}

/** The full run: `npm run torture`. */
export const FULL_CONFIG: TortureConfig = {
  n: 200_000,
  consumers: 4,
  poisonRate: 0.01,
  longHandlerRate: 0.001,
  seed: 20_251_126,
  visibilityTimeoutMs: 2_000,
  maxDeliveries: 10,
  concurrency: 32,
  retryDelayMs: 50,
  redisKills: 2,
  redisDowntimeMs: [300, 1_500],
  cuts: 4,
  consumerKillEveryMs: 3_000,
  minConsumerKills: 6,
  sendConcurrency: 64,
  backlog: 5_000,
  settleTimeoutMs: 120_000,
  maxDuplicateRate: 0.005,
  keep: false,
  verbose: true,
};

/** The small run inside `npm test`: one Redis restart, a few kills and cuts, well under two minutes. */
export const SMALL_CONFIG: TortureConfig = {
  ...FULL_CONFIG,
  n: 20_000,
  redisKills: 1,
  cuts: 2,
  consumerKillEveryMs: 2_500,
  minConsumerKills: 3,
  backlog: 2_000,
  settleTimeoutMs: 60_000,
  verbose: false,
};

const USAGE = `Usage: npm run torture -- [--small] [--n N] [--consumers K] [--redis-kills R] [--cuts C]
  [--kill-every MS] [--min-kills M] [--poison-rate P] [--long-rate P] [--seed S] [--vt MS] [--max-deliveries D] [--backlog B] [--keep] [--quiet]`;


const NUMERIC_FLAGS: Record<string, NumericKeys<TortureConfig>> = {
  '--n': 'n',
  '--consumers': 'consumers',
  '--redis-kills': 'redisKills',
  '--cuts': 'cuts',
  '--kill-every': 'consumerKillEveryMs',
  '--min-kills': 'minConsumerKills',
  '--poison-rate': 'poisonRate',
  '--long-rate': 'longHandlerRate',
  '--seed': 'seed',
  '--vt': 'visibilityTimeoutMs',
  '--max-deliveries': 'maxDeliveries',
  '--backlog': 'backlog',
  '--settle-timeout': 'settleTimeoutMs',
  '--max-duplicate-rate': 'maxDuplicateRate',
};

/** Parses command-line flags over the full (or, with `--small`, the small) configuration. */
/** The numeric fields of a configuration. */
export type NumericKeys<C> = { [K in keyof C]: C[K] extends number ? K : never }[keyof C];

/**
 * Command-line flags → a configuration: `--small` picks `small` instead of `full`, `--keep` and
 * `--quiet` switch those, each of `flags` (`--n 5000` or `--n=5000`) sets a non-negative number.
 * Shared by the classic and the features torture runs.
 */
export function parseFlags<C extends { verbose: boolean; keep?: boolean; n: number }>(
  argv: readonly string[], defaults: { small: C; full: C }, flags: Record<string, NumericKeys<C>>, usage: string,
): C {
  const config: C = { ...(argv.includes('--small') ? defaults.small : defaults.full), verbose: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) as [string, string] : [arg, undefined];
    if (flag === '--small') continue;
    if (flag === '--keep') config.keep = true;
    else if (flag === '--quiet') config.verbose = false;
    else if (flag === '--help' || flag === '-h') throw new Error(usage);
    else if (flag in flags) {
      const raw = inline ?? argv[++i];
      const value = Number(raw);
      if (raw === undefined || !Number.isFinite(value) || value < 0) throw new Error(`${flag} expects a non-negative number, got ${String(raw)}\n${usage}`);
      (config as Record<string, unknown>)[flags[flag] as string] = value;
    } else throw new Error(`Unknown argument ${arg}\n${usage}`);
  }
  if (!Number.isInteger(config.n) || config.n < 1) throw new Error(`--n must be a positive integer\n${usage}`);
  return config;
}

export function parseArgs(argv: readonly string[]): TortureConfig {
  const config = parseFlags(argv, { small: SMALL_CONFIG, full: FULL_CONFIG }, NUMERIC_FLAGS, USAGE);
  if (!Number.isInteger(config.consumers) || config.consumers < 1) throw new Error(`--consumers must be a positive integer\n${USAGE}`);
  return config;
}
