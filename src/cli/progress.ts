import cliProgress from 'cli-progress';
import type { Output } from './output.js';

/** A progress indicator: a cli-progress bar on a terminal, nothing otherwise. */
export interface Progress {
  /** Advances by `n` done items. */
  increment(n: number): void;
  /** Removes the bar (call it in `finally`). */
  stop(): void;
}

const silent: Progress = { increment: () => undefined, stop: () => undefined };

/**
 * A progress bar on standard error for `total` items, shown only when standard error is a
 * terminal, `--json` is off and `total` is at least `threshold`.
 */
export const startProgress = (out: Output, label: string, total: number, options: { json: boolean; threshold?: number }): Progress => {
  if (!out.interactive || options.json || total < (options.threshold ?? 200)) return silent;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (n) => bar.increment(n),
    stop: () => bar.stop(),
  };
};
