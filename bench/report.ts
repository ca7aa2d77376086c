// Turns the raw runs into tables of medians (printed, and pasted into bench/README.md) and JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SystemName } from './common.js';
import { median, slope } from './measure.js';

export type Metrics = Record<string, number>;

export interface Run {
  rep: number;
  error?: string;
  m: Metrics;
}

export type ScenarioName = 'e2e' | 'produce' | 'drain' | 'latency';
export type RowMode = 'one' | 'bulk' | '-';

export interface MemorySeriesPoint {
  t: number;
  xlen: number;
  streamBytes: number;
  usedMemory: number;
}

export interface MemoryResult {
  variant: string;
  settings: Record<string, unknown>;
  rate: number;
  seconds: number;
  error?: string;
  consumerCaughtUp: boolean;
  series: MemorySeriesPoint[];
}

export interface BacklogResult {
  entries: number;
  error?: string;
  fillRate?: number;
  drainRate?: number;
  peakRssMB?: number;
  maxRssMB?: number;
  idleRssMB?: number;
  peakHeapTotalMB?: number;
  peakHeapUsedMB?: number;
  peakExternalMB?: number;
  redisUsedMemoryMB?: number;
  duplicates?: number;
}

export interface Labels {
  oneLabel: string;
  bulkLabel: string | null;
  settings: Record<string, unknown>;
}

export interface BenchResults {
  meta: Record<string, unknown>;
  labels: Partial<Record<SystemName, Labels>>;
  ceiling: { runs: number[]; median: number | null; command: string | null; note?: string };
  runs: Record<string, Run[]>;
  medians: Record<string, Metrics>;
  memory: MemoryResult[];
  backlog: BacklogResult | null;
  targets: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  value: string;
  pass: boolean | null;
}

export const runKey = (system: SystemName, scenario: ScenarioName, mode: RowMode) => `${system}/${scenario}/${mode}`;

export function computeMedians(runs: Record<string, Run[]>): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const [key, list] of Object.entries(runs)) {
    const ok = list.filter((r) => !r.error);
    const names = new Set(ok.flatMap((r) => Object.keys(r.m)));
    const m: Metrics = {};
    for (const name of names) {
      const v = median(ok.map((r) => r.m[name]));
      if (v !== null) m[name] = v;
    }
    out[key] = m;
  }
  return out;
}

// ---- formatting -------------------------------------------------------------------------------

const int = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : Math.round(v).toLocaleString('en-US'));
const fix = (d: number) => (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const mb = (v: number | undefined | null) => fix(1)(v);

export function mdTable(head: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

function cell(res: BenchResults, system: SystemName, scenario: ScenarioName, mode: RowMode, metric: string, fmt: (v: number | undefined) => string): string {
  const key = runKey(system, scenario, mode);
  const runs = res.runs[key];
  if (!runs || runs.length === 0) return '—';
  const v = res.medians[key]?.[metric];
  const failed = runs.filter((r) => r.error).length;
  if (v === undefined) return failed ? 'failed' : '—';
  return fmt(v) + (failed ? ` (${failed} failed)` : '');
}

export function renderTables(res: BenchResults, systems: readonly SystemName[]): string {
  const out: string[] = [];
  const label = (s: SystemName) => s === 'beequeue' ? 'bee-queue' : s === 'naive' ? 'naive streams' : s === 'bullmq' ? 'BullMQ' : s;
  const call = (s: SystemName, mode: 'one' | 'bulk') => {
    const l = res.labels[s];
    return mode === 'one' ? l?.oneLabel ?? '' : l?.bulkLabel ?? '';
  };

  out.push(`### Throughput and latency (medians of ${res.meta.reps} reps, N = ${Number(res.meta.n).toLocaleString('en-US')})`);
  out.push('');
  out.push(
    mdTable(
      ['system', 'e2e msg/s (1-at-a-time producer)', 'e2e msg/s (bulk producer)', 'produce msg/s (1 at a time)', 'produce msg/s (bulk)', 'drain msg/s', 'latency p50 ms', 'latency p99 ms'],
      systems.map((s) => [
        label(s),
        cell(res, s, 'e2e', 'one', 'rate', int),
        res.labels[s]?.bulkLabel ? cell(res, s, 'e2e', 'bulk', 'rate', int) : 'n/a',
        cell(res, s, 'produce', 'one', 'rate', int) + ` (${call(s, 'one')})`,
        res.labels[s]?.bulkLabel ? cell(res, s, 'produce', 'bulk', 'rate', int) + ` (${call(s, 'bulk')})` : 'n/a',
        cell(res, s, 'drain', '-', 'rate', int),
        cell(res, s, 'latency', '-', 'p50Ms', fix(3)),
        cell(res, s, 'latency', '-', 'p99Ms', fix(3)),
      ]),
    ),
  );
  out.push('');
  if (res.ceiling.median !== null) {
    out.push(`redis-benchmark XADD ceiling (same payload, -P 64, 50 clients): **${int(res.ceiling.median)} msg/s** (median of ${res.ceiling.runs.length})`);
  } else {
    out.push(`redis-benchmark XADD ceiling: ${res.ceiling.note ?? 'not run'}`);
  }
  out.push('');

  const foreign = Object.values(res.runs).flat().map((r) => r.m.foreignCpuPct).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (foreign.length) {
    out.push(
      `Other processes on the machine (not the measured children, not the private Redis) used a median ${median(foreign)!.toFixed(0)}% ` +
        `(max ${Math.max(...foreign).toFixed(0)}%) of its CPU capacity during the measurements.`,
    );
    out.push('');
  }

  const costRows: string[][] = [];
  for (const s of systems) {
    for (const mode of ['one', 'bulk'] as const) {
      if (mode === 'bulk' && !res.labels[s]?.bulkLabel) continue;
      if (!res.runs[runKey(s, 'e2e', mode)]) continue;
      costRows.push([
        label(s),
        call(s, mode),
        cell(res, s, 'e2e', mode, 'rate', int),
        cell(res, s, 'e2e', mode, 'nodeCpuPer100k', fix(2)),
        cell(res, s, 'e2e', mode, 'redisCpuPer100k', fix(2)),
        cell(res, s, 'e2e', mode, 'idleRssMB', mb),
        cell(res, s, 'e2e', mode, 'peakRssMB', mb),
        cell(res, s, 'e2e', mode, 'duplicates', int),
      ]);
    }
  }
  if (costRows.length) {
    out.push('### Cost per 100k messages, end-to-end runs (medians)');
    out.push('');
    out.push(mdTable(['system', 'producer call', 'e2e msg/s', 'consumer Node CPU s', 'Redis CPU s', 'consumer RSS warm MB', 'consumer RSS peak MB', 'duplicates'], costRows));
    out.push('');
  }

  if (res.backlog) {
    const b = res.backlog;
    out.push(`### Backlog: streamq consumer facing ${int(b.entries)} entries`);
    out.push('');
    if (b.error) out.push(`failed: ${b.error}`);
    else
      out.push(
        mdTable(
          ['entries', 'fill msg/s (sendMany)', 'drain msg/s', 'consumer RSS before start MB', 'consumer peak RSS MB (sampled)', 'consumer maxrss MB', 'V8 heap peak MB (reserved / used)', 'Redis used_memory MB (full backlog)'],
          [[int(b.entries), int(b.fillRate), int(b.drainRate), mb(b.idleRssMB), mb(b.peakRssMB), mb(b.maxRssMB), `${mb(b.peakHeapTotalMB)} / ${mb(b.peakHeapUsedMB)}`, mb(b.redisUsedMemoryMB)]],
        ),
      );
    out.push('');
  }

  if (res.memory.length) {
    out.push('### Memory over time (streamq, steady load)');
    out.push('');
    out.push(
      mdTable(
        ['retention', 'load', 'XLEN at end', 'stream KB @25%', 'stream KB @50%', 'stream KB @end', 'stream KB max', 'stream growth KB/s (2nd half)', 'used_memory MB @25% → end'],
        res.memory.map((m) => {
          const s = m.series;
          if (m.error || s.length === 0) return [m.variant, `${m.rate}/s × ${m.seconds}s`, m.error ?? 'no samples', '', '', '', '', '', ''];
          const at = (f: number) => s[Math.min(s.length - 1, Math.floor(f * (s.length - 1)))]!;
          const half = s.slice(Math.floor(s.length / 2));
          const growth = slope(half.map((p) => p.t), half.map((p) => p.streamBytes)) / 1024;
          return [
            m.variant,
            `${m.rate}/s × ${m.seconds}s`,
            int(s[s.length - 1]!.xlen),
            int(at(0.25).streamBytes / 1024),
            int(at(0.5).streamBytes / 1024),
            int(s[s.length - 1]!.streamBytes / 1024),
            int(Math.max(...s.map((p) => p.streamBytes)) / 1024),
            fix(1)(growth),
            `${mb(at(0.25).usedMemory / 2 ** 20)} → ${mb(s[s.length - 1]!.usedMemory / 2 ** 20)}`,
          ];
        }),
      ),
    );
    out.push('');
    for (const m of res.memory) {
      if (m.series.length) out.push(`- ${m.variant}: stream KB per second: ${m.series.map((p) => Math.round(p.streamBytes / 1024)).join(' ')}`);
    }
    out.push('');
  }

  if (res.targets.length) {
    out.push('### Targets');
    out.push('');
    out.push(mdTable(['target', 'measured', 'met'], res.targets.map((t) => [t.target, t.value, t.pass === null ? 'n/a' : t.pass ? 'yes' : 'NO']), ['l', 'l', 'l']));
    out.push('');
  }
  return out.join('\n');
}

export function checkTargets(res: BenchResults): TargetCheck[] {
  const med = (s: SystemName, sc: ScenarioName, mode: RowMode, metric: string) => res.medians[runKey(s, sc, mode)]?.[metric];
  const best = (s: SystemName) => {
    const v = [med(s, 'e2e', 'one', 'rate'), med(s, 'e2e', 'bulk', 'rate')].filter((x): x is number => typeof x === 'number');
    return v.length ? Math.max(...v) : undefined;
  };
  const out: TargetCheck[] = [];
  const sq = best('streamq');
  for (const [peer, factor, name] of [['bullmq', 8, 'BullMQ'], ['beequeue', 4, 'bee-queue']] as const) {
    const p = best(peer);
    out.push({
      target: `e2e streamq ≥ ${factor}× ${name}'s best`,
      value: sq !== undefined && p !== undefined ? `${(sq / p).toFixed(1)}× (${int(sq)} vs ${int(p)} msg/s)` : 'not measured',
      pass: sq !== undefined && p !== undefined ? sq >= factor * p : null,
    });
  }
  const sm = med('streamq', 'produce', 'bulk', 'rate');
  const fill = res.backlog?.fillRate;
  const smParts = [
    sm !== undefined ? `${int(sm)} msg/s (produce, N = ${int(Number(res.meta.n))})` : null,
    fill !== undefined ? `${int(fill)} msg/s (filling the ${int(res.backlog!.entries)}-entry backlog)` : null,
  ].filter(Boolean);
  out.push({
    target: 'produce with sendMany ≥ 300,000 msg/s',
    value: smParts.length ? smParts.join('; ') : 'not measured',
    pass: sm === undefined && fill === undefined ? null : Math.max(sm ?? 0, fill ?? 0) >= 300_000,
  });
  const p99 = med('streamq', 'latency', '-', 'p99Ms');
  out.push({ target: 'paced (1,000 msg/s) latency p99 ≤ 1 ms', value: p99 !== undefined ? `${p99.toFixed(3)} ms` : 'not measured', pass: p99 !== undefined ? p99 <= 1 : null });
  const b = res.backlog;
  out.push({
    target: `consumer RSS < 150 MB facing a backlog of ${b ? int(b.entries) : '1,000,000'}`,
    value: b?.peakRssMB !== undefined ? `${mb(Math.max(b.peakRssMB, b.maxRssMB ?? 0))} MB peak` : b?.error ?? 'not measured',
    pass: b?.peakRssMB !== undefined ? Math.max(b.peakRssMB, b.maxRssMB ?? 0) < 150 && (b.entries ?? 0) >= 1_000_000 : null,
  });
  return out;
}

export function writeJson(path: string, res: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(res, null, 2) + '\n');
}
