// Paced latency: consumer running; the producer sends one message at a time at --latency-rate
// (warm-up, a 1 s pause, then the measured messages). Latency = handler start − the time taken
// just before the send call. Beside it, from the same run: the consumer's event-loop delay, the
// GC pauses of both processes, which of the slowest 1 % of messages overlapped a GC pause, and how
// long each process (and the server) waited for a CPU while runnable (/proc/<pid>/schedstat).
// The PING row is the machine's floor: node-redis PING round trips, paced the same way.
import type { ConsumerDone, GcPause, PingDone, ProducerDone } from '../common.js';
import { runQueueWaitSeconds } from '../cpu.js';
import { serverPid, type Env } from '../env.js';
import { percentileSorted, summarizeLatencyUs } from '../measure.js';
import type { Row } from '../rows.js';
import { consumerInit, producerInit, withFrame, type Metrics } from './frame.js';

export interface Measured {
  m: Metrics;
  series?: Record<string, number[]>;
}

/** Quantiles (%) at which the latency distribution is kept for the chart. */
export const CDF_QUANTILES = [...Array.from({ length: 99 }, (_, i) => i + 1), 99.5, 99.9, 100];

const cdfOf = (sortedUs: Float64Array) => CDF_QUANTILES.map((q) => Math.round(percentileSorted(sortedUs, q)) / 1000);

/** Share (%) of [start, start + duration] windows that overlap one of `pauses`. */
function overlapPct(windows: [number, number][], pauses: readonly GcPause[]): number {
  if (windows.length === 0) return NaN;
  const sorted = [...pauses].sort((a, b) => a[0] - b[0]);
  let hit = 0;
  for (const [s, d] of windows) {
    if (sorted.some(([ps, pd]) => ps < s + d && ps + pd > s)) hit++;
  }
  return (hit / windows.length) * 100;
}

function gcStats(prefix: string, pauses: readonly GcPause[], seconds: number): Metrics {
  const d = pauses.map((p) => p[1] / 1000).sort((a, b) => a - b);
  return {
    [`${prefix}GcCount`]: d.length,
    [`${prefix}GcMsPerS`]: d.reduce((a, b) => a + b, 0) / seconds,
    [`${prefix}GcMaxMs`]: d.length ? d[d.length - 1]! : 0,
    [`${prefix}GcMajor`]: pauses.filter((p) => p[2] === 2).length,
  };
}

/** The latency run's figures: percentiles, loop delay, GC of both processes, the tail's overlap with GC, run-queue waits. */
function latencyMetrics(done: ConsumerDone, produced: ProducerDone, total: number, waits: Metrics): Measured {
  const lat = done.latency!;
  const values = Float64Array.from(lat.samples.map((x) => x[1])).sort();
  const s = summarizeLatencyUs(values);
  const tail = lat.samples.filter(([, l]) => l >= s.p99Ms * 1000);
  const seconds = (produced.endUs - produced.startUs) / 1e6;
  const producerGc = produced.gc ?? [];
  return {
    m: {
      p50Ms: s.p50Ms, p99Ms: s.p99Ms, p999Ms: s.p999Ms, maxMs: s.maxMs, meanMs: s.meanMs, count: s.count,
      achievedRate: total / seconds,
      loopP50Ms: lat.loopDelay.p50Ms, loopP99Ms: lat.loopDelay.p99Ms, loopMaxMs: lat.loopDelay.maxMs,
      ...gcStats('consumer', lat.gc, seconds),
      ...gcStats('producer', producerGc, seconds),
      ...Object.fromEntries(Object.entries(waits).map(([k, w]) => [`${k}RunqMsPerS`, (w * 1000) / seconds])),
      // The cause of the tail: how often a slow message overlapped a GC pause, against how often any message did.
      tailConsumerGcPct: overlapPct(tail, lat.gc),
      tailProducerGcPct: overlapPct(tail, producerGc),
      tailAnyGcPct: overlapPct(tail, [...lat.gc, ...producerGc]),
      allAnyGcPct: overlapPct(lat.samples, [...lat.gc, ...producerGc]),
    },
    series: { cdfMs: cdfOf(values) },
  };
}

export async function measureLatency(env: Env, row: Row): Promise<Measured> {
  const L = env.cfg.latency;
  const total = L.n + L.warmup;
  const budget = 30_000 + L.gapMs + (total / L.rate) * 1000 * 1.5;
  return withFrame(env, row, async ({ ctx, adapter, spawn }) => {
    const consumer = await spawn(consumerInit(row, ctx, { expect: total, latencyWarmup: L.warmup }), `${row.id}-consumer`);
    const producer = await spawn(producerInit(env, row, ctx, { mode: 'one', n: total, rate: L.rate, warmup: L.warmup, observeGc: true }), `${row.id}-producer`);
    consumer.send({ type: 'start' });
    await consumer.wait(['started'], 30_000, 'start');
    await new Promise((r) => setTimeout(r, 300));
    consumer.send({ type: 'mark' });
    await consumer.wait(['marked'], 10_000, 'mark');
    // Waiting for a CPU (/proc/<pid>/schedstat): the children's main threads and Redis's (the
    // brokers run their work on other threads, not seen here).
    const server = adapter.server.kind === 'private-redis' ? serverPid(env, adapter) : undefined;
    const pids: Record<string, number> = { consumer: consumer.pid, producer: producer.pid, ...(server !== undefined ? { server } : {}) };
    const waitAt = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, runQueueWaitSeconds(pid)]));
    const wait0 = waitAt();
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], budget, 'produce');
    const done = await consumer.wait<ConsumerDone>(['done'], 10_000, 'consume');
    const wait1 = waitAt();
    return latencyMetrics(done, produced, total, Object.fromEntries(Object.keys(pids).map((k) => [k, wait1[k]! - wait0[k]!])));
  });
}

export async function measurePing(env: Env, row: Row): Promise<Measured> {
  const L = env.cfg.latency;
  return withFrame(env, row, async ({ ctx, spawn }) => {
    const ping = await spawn({ role: 'ping', system: row.system, ctx, n: L.n, warmup: L.warmup, rate: L.rate }, 'ping');
    ping.send({ type: 'start' });
    const done = await ping.wait<PingDone>(['pinged'], 30_000 + ((L.n + L.warmup) / L.rate) * 1500 + L.gapMs, 'ping');
    const values = Float64Array.from(done.samples).sort();
    const s = summarizeLatencyUs(values);
    return { m: { p50Ms: s.p50Ms, p99Ms: s.p99Ms, p999Ms: s.p999Ms, maxMs: s.maxMs, meanMs: s.meanMs, count: s.count }, series: { cdfMs: cdfOf(values) } };
  });
}
