/**
 * Counters, gauges and a histogram for producers and consumers, kept as plain numbers (cheap on
 * the hot path) and rendered as Prometheus text on demand.
 */

/** Counters a consumer, producer or scheduler keeps. */
export interface CounterValues {
  sent: number;
  delivered: number;
  acked: number;
  retried: number;
  reclaimed: number;
  deadLettered: number;
  failed: number;
  deletedWhilePending: number;
  leasesRenewed: number;
  leasesLost: number;
  ticksSent: number;
  heldByRateLimit: number;
  heldByKeyConcurrency: number;
}

/** A snapshot of one producer's or consumer's metrics. */
export interface MetricsSnapshot extends CounterValues {
  /** Messages held right now (being handled or waiting for a slot). */
  inFlight: number;
  /** Handler durations: bucket upper bounds in seconds → cumulative counts. */
  handlerSeconds: { buckets: Record<string, number>; sum: number; count: number };
}

/** Upper bounds (seconds) of the handler-duration histogram's buckets. */
export const HANDLER_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];

const emptyCounters = (): CounterValues => ({
  sent: 0, delivered: 0, acked: 0, retried: 0, reclaimed: 0, deadLettered: 0, failed: 0,
  deletedWhilePending: 0, leasesRenewed: 0, leasesLost: 0, ticksSent: 0, heldByRateLimit: 0, heldByKeyConcurrency: 0,
});

/** The metrics of one producer or consumer, labelled by stream and group. */
export class Metrics {
  /** Labels on every series, e.g. `{ stream: 'orders', group: 'billing' }`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The counters; increment them directly. */
  readonly counters: CounterValues = emptyCounters();
  /** Supplies the in-flight gauge. */
  inFlight: () => number = () => 0;
  readonly #bucketCounts = new Array<number>(HANDLER_BUCKETS.length).fill(0);
  #durationSum = 0;
  #durationCount = 0;

  constructor(labels: Record<string, string>) {
    this.labels = labels;
  }

  /** Records one handler run of `seconds`. */
  observeHandler(seconds: number): void {
    this.#durationSum += seconds;
    this.#durationCount++;
    for (let i = 0; i < HANDLER_BUCKETS.length; i++) if (seconds <= (HANDLER_BUCKETS[i] as number)) this.#bucketCounts[i]!++;
  }

  /** A copy of the current values. */
  snapshot(): MetricsSnapshot {
    const buckets: Record<string, number> = {};
    HANDLER_BUCKETS.forEach((bound, i) => { buckets[String(bound)] = this.#bucketCounts[i] as number; });
    buckets['+Inf'] = this.#durationCount;
    return { ...this.counters, inFlight: this.inFlight(), handlerSeconds: { buckets, sum: this.#durationSum, count: this.#durationCount } };
  }
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>, extra: Record<string, string> = {}): string => {
  const all = { ...labels, ...extra };
  const parts = Object.keys(all).map((key) => `${key}="${escapeLabel(all[key] as string)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

/** The help text of each counter (its Prometheus name is `streamq_<snake_case>_total`). */
export const COUNTER_HELP: Readonly<Record<keyof CounterValues, string>> = {
  sent: 'Messages sent by producers',
  delivered: 'Messages handed to a handler or to the for-await loop',
  acked: 'Messages acknowledged',
  retried: 'Failed deliveries scheduled for a retry',
  reclaimed: 'Entries taken over from other consumers (crashed, cut off or too slow); own retries are not counted',
  deadLettered: 'Messages moved to the dead-letter stream',
  failed: 'Handler runs that threw',
  deletedWhilePending: 'Pending entries found deleted from the stream (acknowledged)',
  leasesRenewed: 'Lease renewals of long-running handlers',
  leasesLost: 'In-flight entries taken over by another consumer',
  ticksSent: 'Schedule ticks appended by schedulers (each tick once, by the scheduler that claimed it)',
  heldByRateLimit: 'Messages held back by a rate limit (each counted once per wait, however often it is asked again)',
  heldByKeyConcurrency: 'Messages held back because perKeyConcurrency handlers of their key were running (once per wait)',
};

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A set of {@link Metrics}, rendered together as Prometheus text. */
export class MetricsRegistry {
  readonly #members = new Set<Metrics>();

  /** Adds a member (done by every producer and consumer at construction). */
  register(metrics: Metrics): void { this.#members.add(metrics); }
  /** Removes a member (done at close). */
  unregister(metrics: Metrics): void { this.#members.delete(metrics); }

  /**
   * One snapshot per label set: members with the same labels (two producers of one stream in one
   * process) summed, as {@link MetricsRegistry.prometheus} renders them (and `registerPromClient`
   * hands them to prom-client).
   */
  series(): Array<{ labels: Readonly<Record<string, string>>; snap: MetricsSnapshot }> {
    const series = new Map<string, { labels: Readonly<Record<string, string>>; snap: MetricsSnapshot }>();
    for (const member of this.#members) {
      const key = labelText(member.labels);
      const snap = member.snapshot();
      const seen = series.get(key);
      series.set(key, { labels: member.labels, snap: seen === undefined ? snap : addSnapshots(seen.snap, snap) });
    }
    return [...series.values()];
  }

  /**
   * Prometheus text exposition format (version 0.0.4) of every member. Members with the same
   * labels (two producers of one stream in one process) are summed into one series: a series must
   * appear once per scrape.
   */
  prometheus(): string {
    const members = this.series();
    const lines: string[] = [];
    for (const key of Object.keys(COUNTER_HELP) as (keyof CounterValues)[]) {
      const name = `streamq_${snake(key)}_total`;
      lines.push(`# HELP ${name} ${COUNTER_HELP[key]}`, `# TYPE ${name} counter`);
      for (const m of members) lines.push(`${name}${labelText(m.labels)} ${m.snap[key]}`);
    }
    lines.push('# HELP streamq_in_flight Messages held by consumers', '# TYPE streamq_in_flight gauge');
    for (const m of members) lines.push(`streamq_in_flight${labelText(m.labels)} ${m.snap.inFlight}`);
    lines.push('# HELP streamq_handler_duration_seconds Handler run time', '# TYPE streamq_handler_duration_seconds histogram');
    for (const m of members) {
      // In the order of the bounds (an object's integer-like keys such as "1" would come first).
      for (const le of [...HANDLER_BUCKETS.map(String), '+Inf']) {
        lines.push(`streamq_handler_duration_seconds_bucket${labelText(m.labels, { le })} ${m.snap.handlerSeconds.buckets[le] ?? 0}`);
      }
      lines.push(`streamq_handler_duration_seconds_sum${labelText(m.labels)} ${m.snap.handlerSeconds.sum}`);
      lines.push(`streamq_handler_duration_seconds_count${labelText(m.labels)} ${m.snap.handlerSeconds.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The sum of two snapshots (same labels). */
function addSnapshots(a: MetricsSnapshot, b: MetricsSnapshot): MetricsSnapshot {
  const sum = { ...a, handlerSeconds: { buckets: { ...a.handlerSeconds.buckets }, sum: a.handlerSeconds.sum + b.handlerSeconds.sum, count: a.handlerSeconds.count + b.handlerSeconds.count } };
  for (const key of Object.keys(COUNTER_HELP) as (keyof CounterValues)[]) sum[key] = a[key] + b[key];
  sum.inFlight = a.inFlight + b.inFlight;
  for (const [le, count] of Object.entries(b.handlerSeconds.buckets)) sum.handlerSeconds.buckets[le] = (sum.handlerSeconds.buckets[le] ?? 0) + count;
  return sum;
}

/** The registry every producer and consumer joins unless given another. */
export const defaultRegistry = new MetricsRegistry();
