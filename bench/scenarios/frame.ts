// The frame around one measurement: a clean server (FLUSHALL, or the adapter's own queue set up),
// the row's Redis settings, children closed and the queue removed afterwards whatever happens;
// and the CPU window (/proc of the producer, the consumer and the server).
import { cpus } from 'node:os';
import { withChildren, type Child, type SpawnChild } from '../children.js';
import type { AdapterContext, ChildInit, SystemAdapter } from '../common.js';
import { delta, foreignCpuPct, machineCpu, snapshot } from '../cpu.js';
import { adapterOf, applyRedisConfig, ctxFor, flush, serverPid, type Env } from '../env.js';
import { per100k } from '../measure.js';
import type { Row } from '../rows.js';

export type Metrics = Record<string, number>;

export interface Frame {
  ctx: AdapterContext;
  adapter: SystemAdapter;
  spawn: SpawnChild;
}

export async function withFrame<T>(env: Env, row: Row, body: (f: Frame) => Promise<T>): Promise<T> {
  const adapter = await adapterOf(env, row.system);
  const ctx = ctxFor(env, row);
  await flush(env);
  const undo = await applyRedisConfig(env, row);
  try {
    await adapter.setup?.(ctx);
    return await withChildren(row.id, (spawn) => body({ ctx, adapter, spawn }));
  } finally {
    await adapter.cleanup?.(ctx).catch(() => {});
    await undo();
  }
}

/** CPU of the named processes and of the machine from start() to stop(), per 100k messages. */
export class CpuWindow {
  readonly #pids: Record<string, number>;
  #a = snapshot({});
  #m = machineCpu();

  constructor(env: Env, adapter: SystemAdapter, children: Record<string, Child>) {
    const pids: Record<string, number> = {};
    for (const [name, c] of Object.entries(children)) pids[name] = c.pid;
    const server = serverPid(env, adapter);
    if (server !== undefined) pids.server = server;
    this.#pids = pids;
  }

  start(): void {
    this.#a = snapshot(this.#pids);
    this.#m = machineCpu();
  }

  /** Metrics `<name>CpuPer100k` for each process, `nodeCpuPer100k` (all Node children), `totalCpuPer100k`, and `foreignCpuPct`. */
  stop(n: number): Metrics {
    const d = delta(this.#a, snapshot(this.#pids));
    const m2 = machineCpu();
    const out: Metrics = {};
    let node = 0;
    let total = 0;
    for (const [name, s] of Object.entries(d)) {
      out[`${name}CpuPer100k`] = per100k(s, n);
      if (name !== 'server') node += s;
      total += s;
    }
    if (!('server' in d)) out.serverCpuPer100k = NaN;
    out.nodeCpuPer100k = per100k(node, n);
    out.totalCpuPer100k = 'server' in d ? per100k(total, n) : NaN;
    out.foreignCpuPct = foreignCpuPct(this.#m, m2, total, cpus().length);
    return out;
  }
}

export const consumerInit = (row: Row, ctx: AdapterContext, o: { expect: number; warm?: number; settleTotal?: number; latencyWarmup?: number; rssSampleMs?: number }): ChildInit => ({
  role: 'consumer',
  system: row.system,
  ctx,
  expect: o.expect,
  latency: o.latencyWarmup !== undefined,
  latencyWarmup: o.latencyWarmup ?? 0,
  rssSampleMs: o.rssSampleMs ?? 100,
  expectWarm: o.warm ?? 0,
  settleTotal: o.settleTotal ?? 0,
});

export const producerInit = (
  env: Env,
  row: Row,
  ctx: AdapterContext,
  o: { mode: 'one' | 'bulk' | 'fill'; n: number; batch?: number; rate?: number; durationMs?: number; warmup?: number; preWarm?: number; observeGc?: boolean },
): ChildInit => ({
  role: 'producer',
  system: row.system,
  ctx,
  mode: o.mode,
  n: o.n,
  batch: o.batch ?? env.cfg.batch,
  rate: o.rate ?? 0,
  durationMs: o.durationMs ?? 0,
  warmup: o.warmup ?? 0,
  warmupGapMs: o.warmup ? env.cfg.latency.gapMs : 0,
  preWarm: o.preWarm ?? 0,
  observeGc: o.observeGc ?? false,
});

export const MB = 2 ** 20;
export const isRedis = (adapter: SystemAdapter) => adapter.server.kind === 'private-redis';
