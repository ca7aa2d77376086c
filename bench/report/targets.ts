// Issue 13's targets, each checked against this run's own medians: met, not met, or not measured.
import { slope } from '../measure.js';
import { f1, f2, f3, int, ok, View } from './format.js';
import type { BenchResults, TargetCheck } from './types.js';

const HEADLINE = 'streamq-dack';
const ids = (res: BenchResults, system: string) => res.rows.filter((r) => r.system === system && r.group === 'main' && !r.skipped).map((r) => r.id);

function ratioTarget(v: View, peer: string, name: string, factor: number): TargetCheck {
  const sq = v.bestE2e([HEADLINE]);
  const p = v.bestE2e(ids(v.res, peer));
  const measured = sq && p;
  return {
    target: `e2e streamq (deleteOnAck) ≥ ${factor}× ${name}'s best`,
    value: measured ? `${(sq.value / p.value).toFixed(1)}× (${int(sq.value)} vs ${int(p.value)} msg/s, ${p.mode === 'bulk' ? 'bulk' : 'one at a time'})` : 'not measured',
    pass: measured ? sq.value >= factor * p.value : null,
  };
}

function cpuTarget(v: View, peer: string, name: string, divisor: number): TargetCheck {
  const sq = v.leastCpu([HEADLINE]);
  const p = v.leastCpu(ids(v.res, peer));
  const measured = sq && p;
  return {
    target: `CPU s per 100k (Node + Redis) of streamq (deleteOnAck) ≤ 1/${divisor} of ${name}'s lowest`,
    value: measured ? `1/${(p.value / sq.value).toFixed(1)} (${f2(sq.value)} s vs ${f2(p.value)} s)` : 'not measured',
    pass: measured ? sq.value * divisor <= p.value : null,
  };
}

/** sendMany at the library's defaults (batchSize 500, inFlight 4) in the sweep's calls; the standard produce run and the sweep's best beside it. */
function sendManyTarget(v: View): TargetCheck {
  const sweep = v.res.rows.filter((r) => r.group === 'sweep').map((r) => ({ r, rate: v.get(r.id, 'sweep', 'bulk', 'rate') })).filter((x) => ok(x.rate));
  const atDefaults = sweep.find((x) => x.r.extra?.chunk === 500 && x.r.extra?.depth === 4);
  const best = [...sweep].sort((a, b) => b.rate! - a.rate!)[0];
  const produce = v.get('streamq', 'produce', 'bulk', 'rate');
  const call = int((v.res.meta.sweep as { call: number } | undefined)?.call);
  const parts = [
    atDefaults ? `${int(atDefaults.rate)} msg/s at the defaults (chunks of 500, 4 in flight), calls of ${call}` : null,
    best && best !== atDefaults ? `sweep best ${int(best.rate)} (${best.r.label})` : null,
    ok(produce) ? `${int(produce)} msg/s in calls of ${int(Number(v.res.meta.batch))} (produce scenario)` : null,
  ].filter(Boolean);
  return { target: 'sendMany ≥ 300,000 msg/s (library defaults)', value: parts.length ? parts.join('; ') : 'not measured', pass: atDefaults ? atDefaults.rate! >= 300_000 : null };
}

function latencyTarget(v: View, metric: 'p50Ms' | 'p99Ms'): TargetCheck {
  const rows = v.res.rows.filter((r) => r.group === 'main' && !r.skipped && v.get(r.id, 'latency', '-', metric) !== undefined);
  const sq = v.get(HEADLINE, 'latency', '-', metric);
  const others = rows.filter((r) => r.system !== 'streamq').map((r) => ({ label: r.label, value: v.get(r.id, 'latency', '-', metric)! }));
  const best = others.sort((a, b) => a.value - b.value)[0];
  return {
    target: `paced latency ${metric === 'p50Ms' ? 'p50' : 'p99'}: streamq (deleteOnAck) the lowest of all systems`,
    value: ok(sq) && best ? `${f3(sq)} ms; next best ${best.label} ${f3(best.value)} ms` : 'not measured',
    pass: ok(sq) && best ? sq <= best.value : null,
  };
}

function rssTarget(v: View): TargetCheck {
  const peak = v.get('streamq', 'backlog', '-', 'peakRssMB');
  const max = v.get('streamq', 'backlog', '-', 'maxRssMB');
  const entries = Number(v.res.meta.backlog);
  const value = ok(peak) ? Math.max(peak, max ?? 0) : undefined;
  return {
    target: 'consumer RSS < 150 MB facing a 1,000,000-entry backlog',
    value: ok(value) ? `${f1(value)} MB peak (backlog ${int(entries)}${entries < 1_000_000 ? ': smaller than the target\'s' : ''})` : 'not measured',
    pass: ok(value) && entries >= 1_000_000 ? value < 150 : null,
  };
}

function memoryTarget(res: BenchResults): TargetCheck | null {
  if (res.memory.length === 0) return null;
  const growth = (variant: string) => {
    const s = res.memory.find((m) => m.variant.startsWith(variant))?.series ?? [];
    const half = s.slice(Math.floor(s.length / 2));
    return half.length >= 2 ? slope(half.map((p) => p.t), half.map((p) => p.streamBytes)) / 1024 : undefined;
  };
  const control = growth('none');
  const dack = growth('deleteOnAck');
  const maxLen = growth('maxLen');
  // Trims make a sawtooth: a falling slope is not growth.
  const flat = (g: number | undefined) => ok(g) && ok(control) && g <= 0.1 * control;
  return {
    target: 'stream memory flat under steady load (deleteOnAck, retention.maxLen): growth < 1/10 of no retention\'s',
    value: `KB/s in the 2nd half: none ${f1(control)}, deleteOnAck ${f1(dack)}, maxLen ${f1(maxLen)}`,
    pass: ok(control) && ok(dack) && ok(maxLen) ? flat(dack) && flat(maxLen) : null,
  };
}

export function checkTargets(res: BenchResults): TargetCheck[] {
  const v = new View(res);
  const out = [
    ratioTarget(v, 'bullmq', 'BullMQ', 10),
    ratioTarget(v, 'beequeue', 'bee-queue', 6),
    cpuTarget(v, 'bullmq', 'BullMQ', 12),
    cpuTarget(v, 'beequeue', 'bee-queue', 6),
    sendManyTarget(v),
    latencyTarget(v, 'p50Ms'),
    latencyTarget(v, 'p99Ms'),
    rssTarget(v),
  ];
  const mem = memoryTarget(res);
  return mem ? [...out, mem] : out;
}
