// Number formatting and Markdown tables, and reading medians out of a run's JSON.
import { median } from '../measure.js';
import type { Metrics } from '../scenarios/frame.js';
import { runKey, type BenchResults, type RowInfo, type RowMode, type Run } from './types.js';
import type { Scenario } from '../config.js';

export const ok = (v: number | undefined | null): v is number => typeof v === 'number' && Number.isFinite(v);
export const int = (v: number | undefined | null) => (ok(v) ? Math.round(v).toLocaleString('en-US') : '—');
export const fix = (d: number) => (v: number | undefined | null) => (ok(v) ? v.toFixed(d) : '—');
export const f1 = fix(1);
export const f2 = fix(2);
export const f3 = fix(3);

export function mdTable(head: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const a = (i: number) => align?.[i] ?? (i === 0 ? 'l' : 'r');
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number) => (a(i) === 'l' ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (a(i) === 'l' ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

export function computeMedians(runs: Record<string, Run[]>): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const [key, list] of Object.entries(runs)) {
    const good = list.filter((r) => !r.error);
    const m: Metrics = {};
    for (const name of new Set(good.flatMap((r) => Object.keys(r.m)))) {
      const v = median(good.map((r) => r.m[name]));
      if (v !== null) m[name] = v;
    }
    out[key] = m;
  }
  return out;
}

/** Reads medians of one run. */
export class View {
  constructor(readonly res: BenchResults) {}

  rows(filter: (r: RowInfo) => boolean = () => true): RowInfo[] {
    return this.res.rows.filter(filter);
  }

  get(rowId: string, scenario: Scenario, mode: RowMode, metric: string): number | undefined {
    return this.res.medians[runKey(rowId, scenario, mode)]?.[metric];
  }

  /** A cell: the median, formatted, with failures and skips said. */
  cell(row: RowInfo, scenario: Scenario, mode: RowMode, metric: string, fmt: (v: number) => string): string {
    if (row.skipped) return 'skipped';
    const runs = this.res.runs[runKey(row.id, scenario, mode)];
    if (!runs || runs.length === 0) return '—';
    const v = this.get(row.id, scenario, mode, metric);
    const failed = runs.filter((r) => r.error).length;
    if (!ok(v)) return failed ? 'failed' : '—';
    return fmt(v) + (failed ? ` (${failed} failed)` : '');
  }

  /** The e2e mode a row is compared in: bulk when it has a bulk call and it ran, else one at a time. */
  e2eMode(row: RowInfo): 'one' | 'bulk' {
    return row.bulkLabel !== null && this.res.runs[runKey(row.id, 'e2e', 'bulk')] ? 'bulk' : 'one';
  }

  /** A row's best (highest) median e2e rate over the modes that ran. */
  bestE2e(rowIds: string[]): { value: number; row: string; mode: string; cpu: number | undefined } | undefined {
    let best: { value: number; row: string; mode: string; cpu: number | undefined } | undefined;
    for (const id of rowIds)
      for (const mode of ['one', 'bulk'] as const) {
        const v = this.get(id, 'e2e', mode, 'rate');
        if (ok(v) && (!best || v > best.value)) best = { value: v, row: id, mode, cpu: this.get(id, 'e2e', mode, 'totalCpuPer100k') };
      }
    return best;
  }

  /** A row's lowest median CPU per 100k over the e2e modes that ran. */
  leastCpu(rowIds: string[]): { value: number; row: string; mode: string } | undefined {
    let best: { value: number; row: string; mode: string } | undefined;
    for (const id of rowIds)
      for (const mode of ['one', 'bulk'] as const) {
        const v = this.get(id, 'e2e', mode, 'totalCpuPer100k');
        if (ok(v) && (!best || v < best.value)) best = { value: v, row: id, mode };
      }
    return best;
  }

  /** The run whose value of `metric` is the median one (for the charts' distributions). */
  medianRun(rowId: string, scenario: Scenario, mode: RowMode, metric: string): Run | undefined {
    const good = (this.res.runs[runKey(rowId, scenario, mode)] ?? []).filter((r) => !r.error && ok(r.m[metric]));
    good.sort((a, b) => a.m[metric]! - b.m[metric]!);
    return good[(good.length - 1) >> 1];
  }

  otherLoad(): { median: number; max: number } | undefined {
    const v = Object.values(this.res.runs).flat().map((r) => r.m.foreignCpuPct).filter(ok);
    return v.length ? { median: median(v)!, max: Math.max(...v) } : undefined;
  }
}
