// `npm run bench`: streamq against BullMQ, bee-queue, a naive Redis Streams loop and, when their
// servers answer, NATS JetStream and RabbitMQ — one run, same machine, same payload.
//
// The orchestrator (this process) starts a private redis-server, then for every measurement
// forks fresh child processes (bench/child.ts): a consumer and/or a producer. It reads their CPU,
// and the server's, from /proc. Rows are interleaved within every scenario; tables show medians.
// See bench/README.md for what each scenario measures, and `npm run bench -- --help`.
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildJsMirror } from './build.js';
import { configureChildren, killAllChildren, profDirOf } from './children.js';
import { HELP, parseConfig, type Config } from './config.js';
import { clockTicks } from './cpu.js';
import { adapterOf, type Env } from './env.js';
import { buildPlan } from './plan.js';
import { runTasks } from './progress.js';
import { adminClient, startPrivateRedis, type AdminClient, type PrivateRedis } from './redis.js';
import { writeOutputs } from './report/outputs.js';
import type { BenchResults, RowInfo } from './report/types.js';
import { DURABILITY_ROWS, FEATURE_ROWS, MAIN_ROWS, selectRows, sweepRows, unsupported, type Row } from './rows.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stderr.write(s + '\n');

let redis: PrivateRedis | undefined;
let admin: AdminClient | undefined;
let jsMirror: string | undefined;

const pkgVersion = (name: string, from = ROOT) => {
  try {
    return (JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'n/a';
  }
};

/** Every row of this run with its adapter's labels, and why a row is skipped (server down, option missing). */
async function resolveRows(env: Env): Promise<RowInfo[]> {
  const cfg = env.cfg;
  const all: Row[] = [...MAIN_ROWS, ...DURABILITY_ROWS, ...FEATURE_ROWS, ...sweepRows(cfg.sweep.chunks, cfg.sweep.depths)];
  const probes = new Map<string, string | null>();
  const out: RowInfo[] = [];
  for (const row of selectRows(all, cfg.only)) {
    let skipped = unsupported(row) ?? undefined;
    let labels = { oneLabel: '', bulkLabel: null as string | null, settings: {} as Record<string, unknown> };
    try {
      const a = await adapterOf(env, row.system);
      labels = { oneLabel: a.oneLabel, bulkLabel: a.bulkLabel, settings: a.settings };
      if (!skipped && a.probe) {
        if (!probes.has(row.system)) probes.set(row.system, await a.probe(cfg.endpoints));
        const why = probes.get(row.system);
        if (why) skipped = `${why}, skipped`;
      }
    } catch (err) {
      skipped = `cannot load its client (${(err as Error).message.split('\n')[0]}), skipped`;
    }
    if (skipped && row.group !== 'sweep') log(`[bench] ${row.label}: ${skipped}`);
    out.push({ ...row, ...labels, skipped });
  }
  return out;
}

function meta(cfg: Config, env: Env): BenchResults['meta'] {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString(),
    n: cfg.n,
    reps: cfg.reps,
    quick: cfg.quick,
    batch: cfg.batch,
    warmup: cfg.warmup,
    modes: cfg.modes,
    scenarios: cfg.scenarios,
    latency: cfg.latency,
    backlog: cfg.backlog,
    memory: cfg.memory,
    sweep: cfg.sweep,
    clockTicks: clockTicks(),
    machine: { nproc: cpus().length, cpuModel, memGB: Math.round(totalmem() / 2 ** 30), loadavgAtStart: loadavg() },
    versions: {
      node: process.version,
      redisServer: env.redis.version,
      bullmq: pkgVersion('bullmq'),
      ioredis: pkgVersion('ioredis'),
      beeQueue: pkgVersion('bee-queue'),
      nodeRedis: pkgVersion('redis'),
      nats: pkgVersion('nats'),
      amqplib: pkgVersion('amqplib'),
    },
    redis: { flags: "--save '' --appendonly no --bind 127.0.0.1" },
    children: jsMirror ? 'transpiled JavaScript (bench/results/.js-<pid>)' : 'tsx',
  };
}

async function main(cfg: Config): Promise<void> {
  const started = Date.now();
  let entry = { path: join(ROOT, 'bench/child.ts'), execArgv: ['--import', 'tsx'] };
  if (!cfg.tsx) {
    try {
      jsMirror = join(ROOT, 'bench/results', `.js-${process.pid}`);
      entry = { path: buildJsMirror(ROOT, jsMirror), execArgv: [] };
    } catch (err) {
      jsMirror = undefined;
      log(`[bench] could not transpile the children (${(err as Error).message}); running them under tsx`);
    }
  }
  configureChildren({ ...entry, cwd: ROOT, prof: cfg.prof, profDir: profDirOf(ROOT) });
  redis = await startPrivateRedis();
  admin = await adminClient(redis.url);
  const env: Env = { cfg, redis, admin, adapters: {} };
  const rows = await resolveRows(env);
  const res: BenchResults = { meta: meta(cfg, env), rows, ceiling: { runs: [], median: null, command: null }, runs: {}, medians: {}, memory: [], targets: [] };
  if (loadavg()[0] > 0.7) log(`[bench] warning: load average ${loadavg()[0].toFixed(2)} before starting; other work on this machine skews the figures`);
  log(`[bench] private redis-server pid ${redis.pid} on ${redis.url}; N=${cfg.n}, reps=${cfg.reps}, scenarios=${cfg.scenarios.join(',')}${cfg.quick ? ' (--quick)' : ''}`);
  const tasks = buildPlan(env, res, rows, log);
  if (cfg.plan) {
    for (const t of tasks) log(`  ${t.title}: ~${t.modelS.toFixed(1)} s`);
    log(`[bench] ${tasks.length} measurements, ~${Math.round(tasks.reduce((a, t) => a + t.modelS, 0) / 60)} min expected on an idle machine`);
    return;
  }
  await runTasks(tasks, log);
  res.meta.wallSeconds = Math.round((Date.now() - started) / 1000);
  res.meta.command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  writeOutputs(ROOT, cfg, res, log);
}

const shutdown = async (code: number) => {
  killAllChildren();
  await admin?.close().catch(() => {});
  await redis?.stop().catch(() => {});
  if (jsMirror) rmSync(jsMirror, { recursive: true, force: true });
  process.exit(code);
};

process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
process.on('exit', () => {
  killAllChildren();
  if (jsMirror) rmSync(jsMirror, { recursive: true, force: true });
});

const parsed = parseConfig(process.argv.slice(2), ROOT);
if (parsed === 'help') {
  console.log(HELP);
  process.exit(0);
} else if (parsed.report) {
  const res = JSON.parse(readFileSync(resolve(parsed.report), 'utf8')) as BenchResults;
  writeOutputs(ROOT, { ...parsed, json: resolve(parsed.report) }, res, log, { rewriteJson: false });
  process.exit(0);
} else {
  main(parsed).then(
    () => shutdown(0),
    (err: unknown) => {
      console.error('[bench] fatal:', err);
      void shutdown(1);
    },
  );
}
