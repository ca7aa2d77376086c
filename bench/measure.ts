// Small statistics and timing helpers.

/** Nearest-rank percentile of an ascending-sorted array (q in 0..100). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((q / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Summarises latencies given in microseconds. */
export function summarizeLatencyUs(samplesUs: Float64Array): LatencySummary {
  const s = Float64Array.from(samplesUs).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return {
    count: s.length,
    p50Ms: percentileSorted(s, 50) / 1000,
    p99Ms: percentileSorted(s, 99) / 1000,
    p999Ms: percentileSorted(s, 99.9) / 1000,
    maxMs: (s.length ? s[s.length - 1]! : NaN) / 1000,
    meanMs: s.length ? sum / s.length / 1000 : NaN,
  };
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
    sxx += xs[i]! * xs[i]!;
    sxy += xs[i]! * ys[i]!;
  }
  const d = n * sxx - sx * sx;
  return d === 0 ? 0 : (n * sxy - sx * sy) / d;
}

/** Messages per second for n messages over a µs interval. */
export function rate(n: number, fromUs: number, toUs: number): number {
  const s = (toUs - fromUs) / 1e6;
  return s > 0 ? n / s : NaN;
}

/** CPU seconds per 100k messages. */
export function per100k(cpuSeconds: number, n: number): number {
  return n > 0 ? cpuSeconds * (100_000 / n) : NaN;
}

export class DeadlineError extends Error {}

/** Rejects with DeadlineError when `p` has not settled within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Periodically samples process RSS and keeps the peak. */
export class RssSampler {
  peak = 0;
  /** Peaks of V8's heap (total reserved / used) and of external + ArrayBuffer memory, bytes. */
  peakHeapTotal = 0;
  peakHeapUsed = 0;
  peakExternal = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly everyMs: number) {}
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }
  sample(): number {
    const m = process.memoryUsage();
    if (m.rss > this.peak) this.peak = m.rss;
    if (m.heapTotal > this.peakHeapTotal) this.peakHeapTotal = m.heapTotal;
    if (m.heapUsed > this.peakHeapUsed) this.peakHeapUsed = m.heapUsed;
    if (m.external > this.peakExternal) this.peakExternal = m.external;
    return m.rss;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
}
