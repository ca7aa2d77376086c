// Which measurements one run makes, in which order: per scenario, repetition after repetition,
// every row once per repetition (A B C, A B C, …). Each becomes a Task with a duration model for
// the progress line; its result goes into the run's JSON.
import type { Config, Scenario } from './config.js';
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
    case 'latency':
      return `p50 ${fx(m.p50Ms, 3)} ms, p99 ${fx(m.p99Ms, 3)} ms, max ${fx(m.maxMs)} ms; consumer GC ${m.consumerGcCount ?? '—'} pauses (max ${fx(m.consumerGcMaxMs)} ms); tail on a GC pause ${fx(m.tailAnyGcPct, 0)}%`;
    case 'backlog':
      return `fill ${fmtRate(m.fillRate)}, drain ${fmtRate(m.rate)}, consumer peak RSS ${fx(Math.max(m.peakRssMB ?? 0, m.maxRssMB ?? 0), 1)} MB`;
    default:
      return `${fmtRate(m.rate)}; CPU s/100k: node ${fx(m.nodeCpuPer100k)}, server ${fx(m.serverCpuPer100k)}`;
  }
}

export function buildPlan(env: Env, res: BenchResults, rows: readonly RowInfo[], log: (s: string) => void): Task[] {
  const cfg: Config = env.cfg;
  const tasks: Task[] = [];
  const runnable = (scenario: Scenario) => rows.filter((r) => !r.skipped && r.scenarios.includes(scenario));

  const measure = (row: RowInfo, scenario: Scenario, mode: RowMode, rep: number, reps: number, model: number, fn: () => Promise<Metrics | Measured>) => {
    const modeLabel = mode === '-' ? '' : ` ${mode === 'one' ? row.oneLabel : row.bulkLabel}`;
    tasks.push({
      kind: runKey(row.id, scenario, mode),
      title: `${scenario} · ${row.label}${modeLabel} · rep ${rep}/${reps}`,
      modelS: model,
      async run() {
        setMeasurementLabel(`${scenario}-${row.id}-${mode}-rep${rep}`);
        let run: Run;
        try {
          const out = await fn();
          run = 'm' in out && typeof out.m === 'object' ? { rep, m: (out as Measured).m, series: (out as Measured).series } : { rep, m: out as Metrics };
          log(`  ${row.label}${modeLabel}: ${summary(scenario, run.m)}; other load ${fx(run.m.foreignCpuPct, 0)}%`);
        } catch (err) {
          const msg = String((err as Error).message ?? err);
          run = { rep, m: {}, error: err instanceof DeadlineError ? `timeout: ${msg}` : msg };
          log(`  ${row.label}${modeLabel}: FAILED ${msg.split('\n')[0]}`);
        }
        (res.runs[runKey(row.id, scenario, mode)] ??= []).push(run);
      },
    });
  };

  /** The modes a row runs in: bulk falls back to one at a time for a system without a bulk call (naive). */
  const bulkModes = (row: RowInfo) => [...new Set(cfg.modes.map((m) => (row.bulkLabel === null ? 'one' : m)))];
  for (const scenario of cfg.scenarios) {
    switch (scenario) {
      case 'ceiling':
        for (let rep = 1; rep <= cfg.reps; rep++) {
          tasks.push({
            kind: 'ceiling',
            title: `ceiling · redis-benchmark XADD · rep ${rep}/${cfg.reps}`,
            modelS: 2,
            async run() {
              try {
                const c = await measureCeiling(env);
                res.ceiling.runs.push(c.rate);
                res.ceiling.command = c.command;
                res.ceiling.median = median(res.ceiling.runs);
                log(`  ${fmtRate(c.rate)}`);
              } catch (err) {
                res.ceiling.note = `not available: ${(err as Error).message.split('\n')[0]}`;
                log(`  ${res.ceiling.note}`);
              }
            },
          });
        }
        break;
      case 'produce':
      case 'e2e':
        for (let rep = 1; rep <= cfg.reps; rep++)
          for (const row of runnable(scenario))
            for (const mode of bulkModes(row)) {
              const model = modelSeconds(scenario === 'e2e' ? 1.8 : 0.8, cfg.n, typicalRate(row.system, scenario, mode));
              measure(row, scenario, mode, rep, cfg.reps, model, () => (scenario === 'e2e' ? measureE2e(env, row, mode) : measureProduce(env, row, mode)));
            }
        break;
      case 'drain':
        for (let rep = 1; rep <= cfg.reps; rep++)
          for (const row of runnable('drain')) {
            const model = modelSeconds(1.8, cfg.n, typicalRate(row.system, 'drain', 'bulk')) + cfg.n / typicalRate(row.system, 'produce', 'bulk');
            measure(row, 'drain', '-', rep, cfg.reps, model, () => measureDrain(env, row, cfg.n));
          }
        break;
      case 'latency': {
        const total = cfg.latency.n + cfg.latency.warmup;
        const model = 1.2 + cfg.latency.gapMs / 1000 + total / cfg.latency.rate;
        for (let rep = 1; rep <= cfg.reps; rep++) {
          for (const row of runnable('latency')) measure(row, 'latency', '-', rep, cfg.reps, model, () => measureLatency(env, row));
          const ping = { ...PING_ROW, oneLabel: 'PING', bulkLabel: null, settings: {} };
          measure(ping, 'latency', '-', rep, cfg.reps, model - 1, () => measurePing(env, PING_ROW));
        }
        break;
      }
      case 'sweep':
        for (let rep = 1; rep <= cfg.reps; rep++)
          for (const row of runnable('sweep')) {
            const model = modelSeconds(1, cfg.sweep.n + 5 * cfg.sweep.call, 250_000);
            measure(row, 'sweep', 'bulk', rep, cfg.reps, model, () => measureProduce(env, row, 'bulk', { n: cfg.sweep.n, batch: cfg.sweep.call }));
          }
        break;
      case 'memory':
        for (const variant of MEMORY_VARIANTS) {
          tasks.push({
            kind: `memory-${variant}`,
            title: `memory · streamq ${variant} · ${cfg.memory.seconds} s at ${cfg.memory.rate}/s`,
            modelS: cfg.memory.seconds + 2,
            async run() {
              const m = await measureMemory(env, variant);
              res.memory.push(m);
              const last = m.series.at(-1);
              log(`  ${m.error ? 'FAILED ' + m.error : `${m.series.length} samples, stream ${Math.round((last?.streamBytes ?? 0) / 1024)} KB, XLEN ${last?.xlen}`}`);
            },
          });
        }
        break;
      case 'backlog': {
        const row = rows.find((r) => r.id === 'streamq' && !r.skipped);
        if (!row || cfg.backlog <= 0) break;
        const model = modelSeconds(3, cfg.backlog, 110_000);
        measure({ ...row, label: `streamq, ${cfg.backlog.toLocaleString('en-US')}-entry backlog` }, 'backlog', '-', 1, 1, model, () => measureDrain(env, row, cfg.backlog, 50));
        break;
      }
    }
  }
  return tasks;
}
