// What every scenario shares in one run: the config, the private Redis and its admin client, the
// servers of the optional rows, and helpers to build a measurement's context.
import { loadAdapter, type AdapterContext, type SystemAdapter, type SystemName } from './common.js';
import type { Config } from './config.js';
import { findProcess } from './cpu.js';
import { sleep, withDeadline } from './measure.js';
import type { AdminClient, PrivateRedis } from './redis.js';
import type { Row } from './rows.js';

export interface Env {
  cfg: Config;
  redis: PrivateRedis;
  admin: AdminClient;
  adapters: Partial<Record<SystemName, SystemAdapter>>;
}

let keySeq = 0;

export function ctxFor(env: Env, row: Row, key?: string): AdapterContext {
  const c = env.cfg.concurrency[row.id] ?? env.cfg.concurrency[row.system];
  return {
    url: env.redis.url,
    host: env.redis.host,
    port: env.redis.port,
    endpoints: env.cfg.endpoints,
    key: key ?? `bench-${row.system}-${process.pid}-${++keySeq}`,
    extra: { ...(row.extra ?? {}), ...(c ? { concurrency: c } : {}) },
  };
}

export async function adapterOf(env: Env, system: SystemName): Promise<SystemAdapter> {
  return (env.adapters[system] ??= await loadAdapter(system));
}

/** The pid of the row's server process (the private redis-server, or the broker found by name / --*-pid). */
export function serverPid(env: Env, adapter: SystemAdapter): number | undefined {
  const s = adapter.server;
  if (s.kind === 'private-redis') return env.redis.pid;
  const given = adapter.name === 'nats' ? env.cfg.serverPids.nats : adapter.name === 'rabbitmq' ? env.cfg.serverPids.rabbitmq : undefined;
  return given ?? findProcess(s.comm, s.cmdline);
}

export async function flush(env: Env): Promise<void> {
  await withDeadline(env.admin.flushAll(), 60_000, 'FLUSHALL');
  await sleep(100);
}

/** Deadline of one measurement that moves `msgs` messages (at least 2,000 msg/s assumed). */
export function deadlineFor(env: Env, msgs: number, extraMs = 0): number {
  return (env.cfg.timeoutS !== undefined ? env.cfg.timeoutS * 1000 : 30_000 + (msgs / 2000) * 1000) + extraMs;
}

/** Warm-up of a measurement: W messages, and at least 5 calls' worth for bulk producers. */
export function warmupFor(env: Env, mode: 'one' | 'bulk' | 'fill'): number {
  const w = env.cfg.warmup;
  return w > 0 && mode !== 'one' ? Math.max(w, 5 * env.cfg.batch) : w;
}

/** Applies a row's CONFIG SET (AOF rows) and returns how to undo it. Waits out the AOF rewrite it starts. */
export async function applyRedisConfig(env: Env, row: Row): Promise<() => Promise<void>> {
  const wanted = row.redisConfig;
  if (!wanted) return async () => {};
  const before: Record<string, string> = {};
  for (const k of Object.keys(wanted)) before[k] = String(Object.values(await env.admin.configGet(k))[0] ?? '');
  for (const [k, v] of Object.entries(wanted)) await env.admin.configSet(k, v);
  await waitAofIdle(env);
  return async () => {
    for (const [k, v] of Object.entries(before)) await env.admin.configSet(k, v);
  };
}

async function waitAofIdle(env: Env): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const info = String(await env.admin.info('persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info)) return;
    await sleep(50);
  }
  throw new Error('AOF rewrite did not finish within 60 s');
}

/** Resets INFO commandstats (CONFIG RESETSTAT). */
export async function resetCommandStats(env: Env): Promise<void> {
  await env.admin.configResetStat();
}

/** Redis commands per message since the last reset, as metrics named `cmd:<name>`. */
export async function commandsPerMessage(env: Env, n: number): Promise<Record<string, number>> {
  const info = String(await env.admin.info('commandstats'));
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = m[1]!;
    if (name === 'info' || name === 'config|resetstat' || name === 'ping' || name === 'xpending') continue;
    out[`cmd:${name}`] = Number(m[2]) / n;
  }
  return out;
}
