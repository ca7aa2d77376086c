// The run as Markdown: the headline table (also README's), then one table per scenario.
import { slope } from '../measure.js';
import { f1, f2, f3, fix, int, mdTable, ok, View } from './format.js';
import { PING_ROW, type BenchResults, type RowInfo } from './types.js';

const pct = fix(0);
const modeLabel = (r: RowInfo, mode: 'one' | 'bulk') => (mode === 'one' ? r.oneLabel : r.bulkLabel ?? '');
const name = (r: RowInfo) => (r.headline ? `**${r.label}**` : r.label);

/** The headline table: one line per system, the configuration that is compared. */
export function headlineTable(v: View): string {
  const rows = v.rows((r) => r.group === 'main' || r.group === 'durability');
  return mdTable(
    ['system', 'e2e msg/s (bulk producer)', 'CPU s / 100k msgs (Node + server)', 'produce msg/s (bulk)', 'drain msg/s', 'paced p50 / p99 ms'],
    rows.map((r) => {
      const mode = v.e2eMode(r);
      return [
        name(r),
        v.cell(r, 'e2e', mode, 'rate', int) + (mode === 'one' && !r.skipped ? ' (one at a time)' : ''),
        r.skipped ? 'skipped' : `${v.cell(r, 'e2e', mode, 'totalCpuPer100k', f2)} (${v.cell(r, 'e2e', mode, 'nodeCpuPer100k', f2)} + ${v.cell(r, 'e2e', mode, 'serverCpuPer100k', f2)})`,
        r.scenarios.includes('produce') ? v.cell(r, 'produce', 'bulk', 'rate', int) : '',
        r.scenarios.includes('drain') ? v.cell(r, 'drain', '-', 'rate', int) : '',
        r.scenarios.includes('latency') ? `${v.cell(r, 'latency', '-', 'p50Ms', f3)} / ${v.cell(r, 'latency', '-', 'p99Ms', f3)}` : '',
      ];
    }),
  );
}

function e2eTable(v: View): string | null {
  if (!ran(v, 'e2e')) return null;
  const lines: string[][] = [];
  for (const r of v.rows((x) => x.scenarios.includes('e2e') && !x.skipped))
    for (const mode of ['one', 'bulk'] as const) {
      if (!v.res.runs[`${r.id}/e2e/${mode}`]) continue;
      lines.push([
        name(r), modeLabel(r, mode), v.cell(r, 'e2e', mode, 'rate', int), v.cell(r, 'e2e', mode, 'settleMs', f2),
        v.cell(r, 'e2e', mode, 'producerCpuPer100k', f2), v.cell(r, 'e2e', mode, 'consumerCpuPer100k', f2), v.cell(r, 'e2e', mode, 'serverCpuPer100k', f2),
        v.cell(r, 'e2e', mode, 'totalCpuPer100k', f2), v.cell(r, 'e2e', mode, 'peakRssMB', f1), v.cell(r, 'e2e', mode, 'duplicates', int), v.cell(r, 'e2e', mode, 'foreignCpuPct', pct),
      ]);
    }
  return mdTable(['row', 'producer call', 'e2e msg/s', 'last handler → acks confirmed ms', 'producer CPU s/100k', 'consumer CPU s/100k', 'server CPU s/100k', 'total CPU s/100k', 'consumer RSS peak MB', 'duplicates', 'other load %'], lines);
}

export function featureTable(v: View): string | null {
  const head = v.rows((r) => r.id === 'streamq-dack')[0];
  const rows = v.rows((r) => r.group === 'feature');
  if (!head || rows.length === 0) return null;
  const base = v.get(head.id, 'e2e', 'bulk', 'rate');
  return mdTable(
    ['row', 'e2e msg/s', 'vs without', 'total CPU s/100k', 'what it does'],
    [head, ...rows].map((r) => {
      const rate = v.get(r.id, 'e2e', 'bulk', 'rate');
      return [r.label, r.skipped ?? v.cell(r, 'e2e', 'bulk', 'rate', int), ok(rate) && ok(base) && r !== head ? `${((rate / base - 1) * 100).toFixed(0)}%` : '', r.skipped ? '' : v.cell(r, 'e2e', 'bulk', 'totalCpuPer100k', f2), r.note ?? ''];
    }),
    ['l', 'r', 'r', 'r', 'l'],
  );
}

const ran = (v: View, scenario: string) => Object.keys(v.res.runs).some((k) => k.split('/')[1] === scenario);

function produceDrainTable(v: View): string | null {
  if (!ran(v, 'produce') && !ran(v, 'drain')) return null;
  const rows = v.rows((r) => r.scenarios.includes('produce') || r.scenarios.includes('drain'));
  return mdTable(
    ['row', 'produce msg/s, one at a time', 'produce msg/s, bulk', 'producer CPU s/100k (bulk)', 'drain msg/s', 'drain consumer CPU s/100k', 'drain server CPU s/100k'],
    rows.map((r) => [
      r.label,
      r.scenarios.includes('produce') ? `${v.cell(r, 'produce', 'one', 'rate', int)} (${r.oneLabel})` : '',
      r.scenarios.includes('produce') && r.bulkLabel ? `${v.cell(r, 'produce', 'bulk', 'rate', int)} (${r.bulkLabel})` : '',
      r.scenarios.includes('produce') ? v.cell(r, 'produce', 'bulk', 'producerCpuPer100k', f2) : '',
      r.scenarios.includes('drain') ? v.cell(r, 'drain', '-', 'rate', int) : '',
      r.scenarios.includes('drain') ? v.cell(r, 'drain', '-', 'consumerCpuPer100k', f2) : '',
      r.scenarios.includes('drain') ? v.cell(r, 'drain', '-', 'serverCpuPer100k', f2) : '',
    ]),
  );
}

export function latencyTable(v: View): string | null {
  if (!ran(v, 'latency')) return null;
  const ping: RowInfo = { ...PING_ROW, oneLabel: 'PING', bulkLabel: null, settings: {} };
  const rows = [...v.rows((r) => r.scenarios.includes('latency')), ping];
  const c = (r: RowInfo, m: string, f: (x: number) => string) => (r.skipped ? 'skipped' : v.cell(r, 'latency', '-', m, f));
  return mdTable(
    ['row', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'consumer loop delay p99 / max ms', 'consumer GC pauses (major) / max ms / ms per s', 'producer GC pauses / max ms', 'slowest 1% on a GC pause', 'all msgs on a GC pause', 'waiting for a CPU ms/s: consumer / producer / server'],
    rows.map((r) => [
      r.label, c(r, 'p50Ms', f3), c(r, 'p99Ms', f3), c(r, 'p999Ms', f3), c(r, 'maxMs', f2),
      r === ping ? '' : `${c(r, 'loopP99Ms', f2)} / ${c(r, 'loopMaxMs', f2)}`,
      r === ping ? '' : `${c(r, 'consumerGcCount', int)} (${c(r, 'consumerGcMajor', int)}) / ${c(r, 'consumerGcMaxMs', f2)} / ${c(r, 'consumerGcMsPerS', f2)}`,
      r === ping ? '' : `${c(r, 'producerGcCount', int)} / ${c(r, 'producerGcMaxMs', f2)}`,
      r === ping ? '' : `${c(r, 'tailAnyGcPct', pct)}%`,
      r === ping ? '' : `${c(r, 'allAnyGcPct', pct)}%`,
      r === ping ? '' : `${c(r, 'consumerRunqMsPerS', f1)} / ${c(r, 'producerRunqMsPerS', f1)} / ${c(r, 'serverRunqMsPerS', f1)}`,
    ]),
  );
}

export function sweepTable(v: View): string | null {
  const rows = v.rows((r) => r.group === 'sweep');
  if (rows.length === 0 || !rows.some((r) => v.res.runs[`${r.id}/sweep/bulk`])) return null;
  const chunks = [...new Set(rows.map((r) => Number(r.extra?.chunk)))];
  const depths = [...new Set(rows.map((r) => Number(r.extra?.depth)))];
  const at = (c: number, d: number) => rows.find((r) => r.extra?.chunk === c && r.extra?.depth === d);
  return mdTable(
    ['chunk size (batchSize) \\ chunks in flight', ...depths.map(String)],
    chunks.map((c) => [String(c), ...depths.map((d) => {
      const r = at(c, d);
      if (!r) return '';
      const rate = v.cell(r, 'sweep', 'bulk', 'rate', int);
      return `${rate} (${v.cell(r, 'sweep', 'bulk', 'producerCpuPer100k', f2)} + ${v.cell(r, 'sweep', 'bulk', 'serverCpuPer100k', f2)} s)`;
    })]),
  );
}

function backlogTable(v: View): string | null {
  const r = v.rows((x) => x.id === 'streamq')[0];
  if (!r || !v.res.runs['streamq/backlog/-']) return null;
  const c = (m: string, f: (x: number) => string) => v.cell(r, 'backlog', '-', m, f);
  return mdTable(
    ['entries', 'fill msg/s (sendMany)', 'drain msg/s', 'consumer RSS before start MB', 'consumer peak RSS MB (sampled)', 'consumer maxrss MB', 'V8 heap peak MB (reserved / used)', 'Redis used_memory MB (full backlog)'],
    [[int(Number(v.res.meta.backlog)), c('fillRate', int), c('rate', int), c('idleRssMB', f1), c('peakRssMB', f1), c('maxRssMB', f1), `${c('peakHeapTotalMB', f1)} / ${c('peakHeapUsedMB', f1)}`, c('redisUsedMemoryMB', f1)]],
  );
}

function memoryTable(res: BenchResults): string | null {
  if (res.memory.length === 0) return null;
  const table = mdTable(
    ['retention', 'load', 'XLEN at end', 'stream KB @25%', 'stream KB @end', 'stream KB max', 'growth KB/s (2nd half)', 'used_memory MB @25% → end'],
    res.memory.map((m) => {
      const s = m.series;
      if (m.error || s.length === 0) return [m.variant, `${m.rate}/s × ${m.seconds}s`, m.error ?? 'no samples', '', '', '', '', ''];
      const at = (f: number) => s[Math.min(s.length - 1, Math.floor(f * (s.length - 1)))]!;
      const half = s.slice(Math.floor(s.length / 2));
      const last = s[s.length - 1]!;
      return [
        m.variant, `${m.rate}/s × ${m.seconds}s`, int(last.xlen), int(at(0.25).streamBytes / 1024), int(last.streamBytes / 1024),
        int(Math.max(...s.map((p) => p.streamBytes)) / 1024), f1(slope(half.map((p) => p.t), half.map((p) => p.streamBytes)) / 1024),
        `${f1(at(0.25).usedMemory / 2 ** 20)} → ${f1(last.usedMemory / 2 ** 20)}`,
      ];
    }),
  );
  return [table, '', ...res.memory.map((m) => `- ${m.variant}: stream KB each second: ${m.series.map((p) => Math.round(p.streamBytes / 1024)).join(' ')}`)].join('\n');
}

export function targetsTable(res: BenchResults): string {
  return mdTable(['target', 'measured (this run)', 'met'], res.targets.map((t) => [t.target, t.value, t.pass === null ? 'not measured' : t.pass ? 'met' : 'NOT MET']), ['l', 'l', 'l']);
}

export function durabilityList(v: View): string {
  return v.rows((r) => r.group === 'main' || r.group === 'durability').map((r) => `- **${r.label}**: ${r.skipped ?? r.durability}`).join('\n');
}

export function footer(res: BenchResults): string {
  const m = res.meta as BenchResults['meta'] & { machine: { nproc: number; cpuModel: string; memGB: number; loadavgAtStart: number[] }; versions: Record<string, string> };
  const v = m.versions;
  const load = new View(res).otherLoad();
  return [
    load ? `Other processes used a median ${load.median.toFixed(0)}% (max ${load.max.toFixed(0)}%) of the machine's CPU during the measurements.` : '',
    `Machine: ${m.machine.nproc} × ${m.machine.cpuModel}, ${m.machine.memGB} GB; load average at start ${m.machine.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}.`,
    `Versions: node ${v.node}; ${String(v.redisServer).split(' ').slice(0, 3).join(' ')}; bullmq ${v.bullmq} (ioredis ${v.ioredis}); bee-queue ${v.beeQueue}; node-redis ${v.nodeRedis}; nats ${v.nats}; amqplib ${v.amqplib}.`,
    `Command: \`${m.command ?? 'npm run bench'}\`; N = ${int(m.n)}, ${m.reps} rep(s); wall time ${m.wallSeconds ?? '?'} s; ${m.date}.`,
  ].filter(Boolean).join('\n');
}

export function renderSummary(res: BenchResults): string {
  const v = new View(res);
  const out: string[] = [`# Benchmark run, ${res.meta.date}`, '', `Medians of ${res.meta.reps} rep(s), N = ${int(res.meta.n)} messages per measurement.`, ''];
  const section = (title: string, body: string | null) => {
    if (body) out.push(`## ${title}`, '', body, '');
  };
  section('Systems', headlineTable(v));
  section('Durability of each row', durabilityList(v));
  section('Targets', res.targets.length ? targetsTable(res) : null);
  section('End to end (clock stops when the last ack is confirmed)', e2eTable(v));
  section('Feature costs (streamq, same run)', featureTable(v));
  section('Produce and drain', produceDrainTable(v));
  section(`Paced latency (${int(Number((res.meta.latency as { rate: number }).rate))} msg/s)`, latencyTable(v));
  section(`sendMany sweep: msg/s (producer + Redis CPU s per 100k), calls of ${int(Number((res.meta.sweep as { call: number } | undefined)?.call))}`, sweepTable(v));
  section('Backlog: streamq consumer facing a large backlog', backlogTable(v));
  section('Memory over time (streamq, steady load)', memoryTable(res));
  section('redis-benchmark XADD ceiling', res.ceiling.median !== null ? `${int(res.ceiling.median)} msg/s (median of ${res.ceiling.runs.length}): \`${res.ceiling.command}\`` : res.ceiling.note ?? null);
  out.push(footer(res));
  return out.join('\n');
}
