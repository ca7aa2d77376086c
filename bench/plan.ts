// Which measurements one run makes, in which order: per scenario, repetition after repetition,
// every row once per repetition (A B C, A B C, …). Each becomes a Task with a duration model for
// the progress line; its result goes into the run's JSON. One planner per scenario (PLANNERS).
import type { Scenario } from './config.js';
import { setMeasurementLabel } from './children.js';
import type { Env } from './env.js';
import { DeadlineError, median } from './measure.js';
import { modelSeconds, typicalRate, type Task } from './progress.js';
import { PING_ROW, runKey, type BenchResults, type RowInfo, type RowMode, type Run } from './report/types.js';
import { measureCeiling } from './scenarios/ceiling.js';
import { measureDrain } from './scenarios/drain.js';
import { measureE2e } from './scenarios/e2e.js';
import type { Metrics } from './scenarios/frame.js';
import { measureLatency, measurePing, type Measured } from './scenarios/latency.js';
import { measureMemory, MEMORY_VARIANTS } from './scenarios/memory.js';
import { measureProduce } from './scenarios/produce.js';

const fmtRate = (v: number | undefined) => `${Math.round(v ?? NaN).toLocaleString('en-US')} msg/s`;
const fx = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

/** One line per finished measurement, by scenario. */
function summary(scenario: Scenario, m: Metrics): string {
  switch (scenario) {
    case 'e2e':
      return `${fmtRate(m.rate)} (acks confirmed ${fx(m.settleMs)} ms after the last handler); CPU s/100k: node ${fx(m.nodeCpuPer100k)}, server ${fx(m.serverCpuPer100k)}; rss ${fx(m.peakRssMB, 0)} MB; dup ${m.duplicates}`;
    case 'latency': {
      const p = `p50 ${fx(m.p50Ms, 3)} ms, p99 ${fx(m.p99Ms, 3)} ms, max ${fx(m.maxMs)} ms`;
      return m.consumerGcCount === undefined ? p : `${p}; consumer GC ${m.consumerGcCount} pauses (max ${fx(m.consumerGcMaxMs)} ms); consumer waited for a CPU ${fx(m.consumerRunqMsPerS, 0)} ms/s`;
    }
    case 'backlog':
      return `fill ${fmtRate(m.fillRate)}, drain ${fmtRate(m.rate)}, consumer peak RSS ${fx(Math.max(m.peakRssMB ?? 0, m.maxRssMB ?? 0), 1)} MB`;
    default:
      return `${fmtRate(m.rate)}; CPU s/100k: node ${fx(m.nodeCpuPer100k)}, server ${fx(m.serverCpuPer100k)}`;
  }
}

/** What a planner gets: the run, where to put tasks, and how to make a measured task. */
interface Planning {
  env: Env;
  res: BenchResults;
  rows: readonly RowInfo[];
  tasks: Task[];
  log: (s: string) => void;
}

/** The rows of a scenario that can run. */
const runnable = (p: Planning, scenario: Scenario) => p.rows.filter((r) => !r.skipped && r.scenarios.includes(scenario));

/** The modes a row runs in: bulk falls back to one at a time for a system without a bulk call (naive). */
const modesOf = (p: Planning, row: RowInfo) => [...new Set(p.env.cfg.modes.map((m) => (row.bulkLabel === null ? 'one' : m)))];

/** A task that runs one measurement of a row and records it (or its failure) in res.runs. */
function measured(p: Planning, row: RowInfo, scenario: Scenario, mode: RowMode, rep: number, reps: number, modelS: number, fn: () => Promise<Metrics | Measured>): void {
  const modeLabel = mode === '-' ? '' : ` ${mode === 'one' ? row.oneLabel : row.bulkLabel}`;
  const key = runKey(row.id, scenario, mode);
  p.tasks.push({
    kind: key,
    title: `${scenario} · ${row.label}${modeLabel} · rep ${rep}/${reps}`,
    modelS,
    async run() {
      setMeasurementLabel(`${scenario}-${row.id}-${mode}-rep${rep}`);
      let run: Run;
      try {
        const out = await fn();
        run = 'm' in out && typeof out.m === 'object' ? { rep, m: (out as Measured).m, series: (out as Measured).series } : { rep, m: out as Metrics };
        p.log(`  ${row.label}${modeLabel}: ${summary(scenario, run.m)}${run.m.foreignCpuPct === undefined ? '' : `; other load ${fx(run.m.foreignCpuPct, 0)}%`}`);
      } catch (err) {
        const msg = String((err as Error).message ?? err);
        run = { rep, m: {}, error: err instanceof DeadlineError ? `timeout: ${msg}` : msg };
        p.log(`  ${row.label}${modeLabel}: FAILED ${msg.split('\n')[0]}`);
      }
      (p.res.runs[key] ??= []).push(run);
    },
  });
}

/** For each repetition, for each runnable row: `each(row, rep)`. */
function interleaved(p: Planning, scenario: Scenario, each: (row: RowInfo, rep: number, reps: number) => void): void {
  const reps = p.env.cfg.reps;
  for (let rep = 1; rep <= reps; rep++) for (const row of runnable(p, scenario)) each(row, rep, reps);
}

function planCeiling(p: Planning): void {
  const reps = p.env.cfg.reps;
  const c = p.res.ceiling;
  for (let rep = 1; rep <= reps; rep++) {
    p.tasks.push({
      kind: 'ceiling',
      title: `ceiling · redis-benchmark XADD · rep ${rep}/${reps}`,
      modelS: 2,
      async run() {
        try {
          const out = await measureCeiling(p.env);
          c.runs.push(out.rate);
          c.command = out.command;
          c.median = median(c.runs);
          p.log(`  ${fmtRate(out.rate)}`);
        } catch (err) {
          c.note = `not available: ${(err as Error).message.split('\n')[0]}`;
          p.log(`  ${c.note}`);
        }
      },
    });
  }
}

function planProduceOrE2e(p: Planning, scenario: 'produce' | 'e2e'): void {
  const { env } = p;
  interleaved(p, scenario, (row, rep, reps) => {
    for (const mode of modesOf(p, row)) {
      const model = modelSeconds(scenario === 'e2e' ? 1.8 : 0.8, env.cfg.n, typicalRate(row.system, scenario, mode));
      measured(p, row, scenario, mode, rep, reps, model, () => (scenario === 'e2e' ? measureE2e(env, row, mode) : measureProduce(env, row, mode)));
    }
  });
}

function planDrain(p: Planning): void {
  const { env } = p;
  interleaved(p, 'drain', (row, rep, reps) => {
    const model = modelSeconds(1.8, env.cfg.n, typicalRate(row.system, 'drain', 'bulk')) + env.cfg.n / typicalRate(row.system, 'produce', 'bulk');
    measured(p, row, 'drain', '-', rep, reps, model, () => measureDrain(env, row, env.cfg.n));
  });
}

function planLatency(p: Planning): void {
  const { env } = p;
  const L = env.cfg.latency;
  const model = 1.2 + L.gapMs / 1000 + (L.n + L.warmup) / L.rate;
  const ping: RowInfo = { ...PING_ROW, oneLabel: 'PING', bulkLabel: null, settings: {} };
  for (let rep = 1; rep <= env.cfg.reps; rep++) {
    for (const row of runnable(p, 'latency')) measured(p, row, 'latency', '-', rep, env.cfg.reps, model, () => measureLatency(env, row));
    measured(p, ping, 'latency', '-', rep, env.cfg.reps, model - 1, () => measurePing(env, PING_ROW));
  }
}

function planSweep(p: Planning): void {
  const { env } = p;
  const S = env.cfg.sweep;
  interleaved(p, 'sweep', (row, rep, reps) => {
    measured(p, row, 'sweep', 'bulk', rep, reps, modelSeconds(1, S.n + 5 * S.call, 250_000), () => measureProduce(env, row, 'bulk', { n: S.n, batch: S.call }));
  });
}

function planMemory(p: Planning): void {
  const { env } = p;
  const M = env.cfg.memory;
  for (const variant of MEMORY_VARIANTS) {
    p.tasks.push({
      kind: `memory-${variant}`,
      title: `memory · streamq ${variant} · ${M.seconds} s at ${M.rate}/s`,
      modelS: M.seconds + 2,
      async run() {
        const m = await measureMemory(env, variant);
        p.res.memory.push(m);
        const last = m.series.at(-1);
        p.log(`  ${m.error ? 'FAILED ' + m.error : `${m.series.length} samples, stream ${Math.round((last?.streamBytes ?? 0) / 1024)} KB, XLEN ${last?.xlen}`}`);
      },
    });
  }
}

function planBacklog(p: Planning): void {
  const { env } = p;
  const row = p.rows.find((r) => r.id === 'streamq' && !r.skipped);
  if (!row || env.cfg.backlog <= 0) return;
  const label = { ...row, label: `streamq, ${env.cfg.backlog.toLocaleString('en-US')}-entry backlog` };
  measured(p, label, 'backlog', '-', 1, 1, modelSeconds(3, env.cfg.backlog, 110_000), () => measureDrain(env, row, env.cfg.backlog, 50));
}

/** The scenario registry: a new scenario is a measure function and one planner here. */
const PLANNERS: Record<Scenario, (p: Planning) => void> = {
  ceiling: planCeiling,
  produce: (p) => planProduceOrE2e(p, 'produce'),
  e2e: (p) => planProduceOrE2e(p, 'e2e'),
  drain: planDrain,
  latency: planLatency,
  sweep: planSweep,
  memory: planMemory,
  backlog: planBacklog,
};

export function buildPlan(env: Env, res: BenchResults, rows: readonly RowInfo[], log: (s: string) => void): Task[] {
  const p: Planning = { env, res, rows, tasks: [], log };
  for (const scenario of env.cfg.scenarios) PLANNERS[scenario](p);
  return p.tasks;
}
