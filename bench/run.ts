// `npm run bench` — streamq vs BullMQ vs bee-queue vs a naive Redis Streams loop.
//
// The orchestrator (this process) starts a private redis-server, then for every measurement forks
// fresh child processes (bench/child.ts): one consumer and/or one producer. The consumer's Node CPU
// and RSS are therefore the consumer process's own. Redis CPU comes from INFO cpu deltas. Systems
// are interleaved (A B C D, A B C D, ...) within every scenario; tables show medians.
//
//   npm run bench                                 full run (see DEFAULTS)
//   npm run bench -- --n 20000 --reps 1           quick smoke run
//   npm run bench -- --only streamq,naive --scenarios e2e,latency
//   npm run bench -- --scenarios backlog --backlog 1000000
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ALL_SYSTEMS,
  loadAdapter,
  makePayload,
  type AdapterContext,
  type ChildInit,
  type ChildMsg,
  type ConsumerDone,
  type ParentMsg,
  type ProduceMode,
  type ProducerDone,
  type SystemName,
} from './common.js';
import { cpuPer100k, DeadlineError, foreignCpuPct, machineCpu, median, rate, sleep, withDeadline } from './measure.js';
import { buildJsMirror } from './build.js';
import {
  adminClient,
  keyMemory,
  redisCpuSeconds,
  redisUsedMemory,
  startPrivateRedis,
  type AdminClient,
  type PrivateRedis,
} from './redis.js';
import {
  checkTargets,
  computeMedians,
  renderTables,
  runKey,
  writeJson,
  type BacklogResult,
  type BenchResults,
  type MemoryResult,
  type MemorySeriesPoint,
  type Metrics,
  type Run,
  type RowMode,
  type ScenarioName,
} from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const CHILD_TS = join(HERE, 'child.ts');
/** Set in main(): the transpiled child (plain node) or, with --tsx or when transpiling fails, child.ts under tsx. */
let childEntry: { path: string; execArgv: string[] } = { path: CHILD_TS, execArgv: ['--import', 'tsx'] };

const SCENARIOS = ['ceiling', 'produce', 'e2e', 'drain', 'latency', 'memory', 'backlog'] as const;
type Scenario = (typeof SCENARIOS)[number];

// ---- options ----------------------------------------------------------------------------------

const { values: argv } = parseArgs({
  options: {
    n: { type: 'string' },
    reps: { type: 'string' },
    only: { type: 'string' },
    scenarios: { type: 'string' },
    json: { type: 'string' },
    batch: { type: 'string' },
    'latency-n': { type: 'string' },
    'latency-rate': { type: 'string' },
    backlog: { type: 'string' },
    'mem-seconds': { type: 'string' },
    'mem-rate': { type: 'string' },
    timeout: { type: 'string' },
    prof: { type: 'string' },
    tsx: { type: 'boolean' },
    concurrency: { type: 'string' },
    modes: { type: 'string' },
    warmup: { type: 'string' },
    report: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: false,
});

if (argv.help) {
  console.log(`usage: npm run bench -- [options]
  --n N              messages per measurement (default 50000)
  --reps R           repetitions, interleaved across systems (default 3)
  --only a,b         systems: ${ALL_SYSTEMS.join(',')} (default all)
  --scenarios a,b    ${SCENARIOS.join(',')} (default all)
  --json PATH        where to write the JSON (default bench/results/latest.json)
  --batch B          batch size for sendMany / addBulk / saveAll (default 1000)
  --latency-n L      measured messages in the paced latency run (default 4000, after 1000 warm-up + 1 s pause)
  --latency-rate R   pace of the latency run, msg/s (default 1000)
  --backlog B        entries in the streamq backlog scenario (default 1000000; 0 skips it)
  --mem-seconds S    duration of each memory-over-time run (default 15)
  --mem-rate R       steady load of the memory-over-time runs, msg/s (default 5000)
  --timeout S        per-measurement deadline in seconds (default: 30 s + N / 2,000 msg/s)
  --prof a,b         run these systems' children with --cpu-prof (profiles in bench/results/prof/)
  --tsx              run the measured children under tsx instead of transpiled JavaScript
  --warmup W         warm-up messages before each produce / e2e / drain measurement (default 1000;
                     bulk producers: at least 5 batches)
  --report PATH      only print the tables of an earlier run's JSON (no measuring)
  --modes one,bulk   producer modes for the produce and e2e scenarios (default both)
  --concurrency s=c  override a consumer's concurrency, e.g. streamq=64,bullmq=50 (for tuning)`);
  process.exit(0);
}

const num = (v: string | undefined, d: number) => {
  if (v === undefined) return d;
  const x = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(x) || x < 0) throw new Error(`bad number: ${v}`);
  return x;
};
const list = <T extends string>(v: string | undefined, all: readonly T[], what: string): T[] => {
  if (!v) return [...all];
  const got = v.split(',').map((s) => s.trim()).filter(Boolean) as T[];
  for (const g of got) if (!all.includes(g)) throw new Error(`unknown ${what}: ${g} (known: ${all.join(', ')})`);
  return all.filter((a) => got.includes(a));
};

const N = Math.floor(num(argv.n, 50_000));
const REPS = Math.max(1, Math.floor(num(argv.reps, 3)));
const SYSTEMS = list(argv.only, ALL_SYSTEMS, 'system');
const SCEN = list<Scenario>(argv.scenarios, SCENARIOS, 'scenario');
const JSON_PATH = resolve(ROOT, argv.json ?? 'bench/results/latest.json');
const BATCH = Math.max(1, Math.floor(num(argv.batch, 1000)));
const LAT_N = Math.floor(num(argv['latency-n'], 4000));
const LAT_WARMUP = 1000;
const LAT_WARMUP_GAP_MS = 1000;
const LAT_RATE = num(argv['latency-rate'], 1000);
const BACKLOG = Math.floor(num(argv.backlog, 1_000_000));
const MEM_SECONDS = num(argv['mem-seconds'], 15);
const MEM_RATE = num(argv['mem-rate'], 5000);
const TIMEOUT_S = argv.timeout !== undefined ? num(argv.timeout, 0) : undefined;
const WARMUP = Math.floor(num(argv.warmup, 1000));
/** Warm-up of a measurement: W messages, and at least 5 calls' worth for bulk producers. */
const warmupFor = (mode: ProduceMode) => (WARMUP > 0 && mode !== 'one' ? Math.max(WARMUP, 5 * BATCH) : WARMUP);
const MODES = list<'one' | 'bulk'>(argv.modes, ['one', 'bulk'], 'mode');
const PROF = new Set(argv.prof ? argv.prof.split(',') : []);
const CONCURRENCY: Partial<Record<SystemName, number>> = Object.fromEntries(
  (argv.concurrency ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const [k, v] = kv.split('=');
      if (!ALL_SYSTEMS.includes(k as SystemName) || !(Number(v) > 0)) throw new Error(`bad --concurrency entry: ${kv}`);
      return [k, Number(v)];
    }),
);

/** Deadline for one measurement that moves `msgs` messages (at least 2,000 msg/s assumed). */
const deadlineFor = (msgs: number, extraMs = 0) => (TIMEOUT_S !== undefined ? TIMEOUT_S * 1000 : 30_000 + (msgs / 2000) * 1000) + extraMs;

// ---- child processes --------------------------------------------------------------------------

const live = new Set<ChildProcess>();

class Child {
  private readonly inbox: ChildMsg[] = [];
  private waiter: { types: string[]; resolve: (m: ChildMsg) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private constructor(
    readonly proc: ChildProcess,
    readonly name: string,
  ) {
    proc.on('message', (raw) => {
      const m = raw as ChildMsg;
      if (m.type === 'error') {
        this.fail(new Error(`${name}: ${m.message}`));
        return;
      }
      if (this.waiter && this.waiter.types.includes(m.type)) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(m);
      } else this.inbox.push(m);
    });
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      this.fail(new Error(`${name}: exited (code ${code}, signal ${signal})`));
    });
  }

  private fail(err: Error) {
    if (!this.failure) this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  static async spawn(init: ChildInit, name: string, deadlineMs = 30_000): Promise<Child> {
    const execArgv = [...childEntry.execArgv];
    if (PROF.has(init.system)) {
      execArgv.push('--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench/results/prof'), '--cpu-prof-name', `${currentLabel}-${name}-${Date.now()}.cpuprofile`);
    }
    const proc = fork(childEntry.path, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: ROOT });
    live.add(proc);
    const c = new Child(proc, name);
    try {
      c.send({ type: 'init', init });
      await c.wait(['ready'], deadlineMs, 'ready');
    } catch (err) {
      c.kill();
      throw err;
    }
    return c;
  }

  send(m: ParentMsg) {
    if (this.proc.connected) this.proc.send(m);
  }

  wait<T extends ChildMsg>(types: string[], ms: number, what: string): Promise<T> {
    const i = this.inbox.findIndex((m) => types.includes(m.type));
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    if (this.failure) return Promise.reject(this.failure);
    const p = new Promise<ChildMsg>((resolve, reject) => (this.waiter = { types, resolve, reject }));
    return withDeadline(p, ms, `${this.name} ${what}`).catch((err: unknown) => {
      this.waiter = undefined;
      throw err;
    }) as Promise<T>;
  }

  /** Asks the child to close cleanly; kills it if it does not within the deadline. */
  async close(ms = 20_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.send({ type: 'close' });
    await Promise.race([exited, sleep(ms)]);
    this.kill();
  }

  kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

const removeMirror = () => {
  if (jsMirror) rmSync(jsMirror, { recursive: true, force: true });
};

const killAll = () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
};

// ---- the run ----------------------------------------------------------------------------------

let redis: PrivateRedis | undefined;
let jsMirror: string | undefined;
let admin: AdminClient | undefined;
let keySeq = 0;
/** Names the measurement in progress (used for --cpu-prof file names). */
let currentLabel = 'setup';

const log = (s: string) => process.stderr.write(s + '\n');
const fmtRate = (v: number) => `${Math.round(v).toLocaleString('en-US')} msg/s`;

function ctxFor(system: SystemName, extra: Record<string, unknown> = {}): AdapterContext {
  const c = CONCURRENCY[system];
  return { url: redis!.url, host: redis!.host, port: redis!.port, key: `bench-${system}-${++keySeq}`, extra: c ? { concurrency: c, ...extra } : extra };
}

/** Resets INFO commandstats (CONFIG RESETSTAT leaves used_cpu_* alone). */
async function resetCommandStats(): Promise<void> {
  await admin!.configResetStat();
}

/** Redis commands per message since the last reset, as metrics named `cmd:<name>`. */
async function commandsPerMessage(n: number): Promise<Metrics> {
  const info = String(await admin!.info('commandstats'));
  const out: Metrics = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = m[1]!;
    if (name === 'info' || name === 'config|resetstat' || name === 'ping') continue;
    out[`cmd:${name}`] = Number(m[2]) / n;
  }
  return out;
}

async function flush(): Promise<void> {
  await withDeadline(admin!.flushAll(), 60_000, 'FLUSHALL');
  await sleep(100);
}

const consumerInit = (system: SystemName, ctx: AdapterContext, expect: number, latency = false, rssSampleMs = 100, expectWarm = 0): ChildInit => ({
  role: 'consumer',
  system,
  ctx,
  expect,
  latency,
  latencyWarmup: latency ? LAT_WARMUP : 0,
  rssSampleMs,
  expectWarm,
});

const producerInit = (system: SystemName, ctx: AdapterContext, mode: ProduceMode, n: number, rateMps = 0, durationMs = 0, warmup = 0, preWarm = 0): ChildInit => ({
  role: 'producer',
  system,
  ctx,
  mode,
  n,
  batch: BATCH,
  rate: rateMps,
  durationMs,
  warmup,
  warmupGapMs: warmup > 0 ? LAT_WARMUP_GAP_MS : 0,
  preWarm,
});

/** Runs `body` with the children it spawns closed afterwards whatever happens. */
async function withChildren<T>(body: (spawnChild: (init: ChildInit, name: string) => Promise<Child>) => Promise<T>): Promise<T> {
  const kids: Child[] = [];
  try {
    return await body(async (init, name) => {
      const c = await Child.spawn(init, name);
      kids.push(c);
      return c;
    });
  } finally {
    await Promise.all(kids.map((k) => k.close()));
  }
}

const MB = 2 ** 20;
const NCPU = cpus().length;
const cpuS = (d: { cpuUserUs: number; cpuSystemUs: number }) => (d.cpuUserUs + d.cpuSystemUs) / 1e6;

async function measureE2e(system: SystemName, mode: 'one' | 'bulk'): Promise<Metrics> {
  await flush();
  const ctx = ctxFor(system);
  const budget = deadlineFor(N);
  return withChildren(async (spawnChild) => {
    const warm = warmupFor(mode);
    const consumer = await spawnChild(consumerInit(system, ctx, N, false, 100, warm), `${system}-consumer`);
    const producer = await spawnChild(producerInit(system, ctx, mode, N, 0, 0, 0, warm), `${system}-producer`);
    consumer.send({ type: 'start' });
    await consumer.wait(['started'], 30_000, 'start');
    if (warm > 0) await consumer.wait(['warm'], 60_000, 'warm-up');
    await sleep(300);
    consumer.send({ type: 'mark' });
    await consumer.wait(['marked'], 10_000, 'mark');
    await resetCommandStats();
    const cpu0 = await redisCpuSeconds(admin!);
    const mc0 = machineCpu();
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], budget, 'produce');
    const done = await consumer.wait<ConsumerDone>(['done'], Math.max(5_000, budget - (produced.endUs - produced.startUs) / 1000), 'consume');
    const mc1 = machineCpu();
    const cpu1 = await redisCpuSeconds(admin!);
    return {
      ...(await commandsPerMessage(N)),
      foreignCpuPct: foreignCpuPct(mc0, mc1, cpu1 - cpu0 + cpuS(done) + cpuS(produced), NCPU),
      rate: rate(N, produced.startUs, done.lastUs),
      produceRate: rate(N, produced.startUs, produced.endUs),
      seconds: (done.lastUs - produced.startUs) / 1e6,
      nodeCpuPer100k: cpuPer100k(done.cpuUserUs + done.cpuSystemUs, N),
      redisCpuPer100k: cpuPer100k((cpu1 - cpu0) * 1e6, N),
      producerCpuPer100k: cpuPer100k(produced.cpuUserUs + produced.cpuSystemUs, N),
      idleRssMB: done.rssAtMarkBytes / MB,
      peakRssMB: Math.max(done.peakRssBytes, done.maxRssBytes) / MB,
      peakHeapTotalMB: done.peakHeapTotalBytes / MB,
      peakHeapUsedMB: done.peakHeapUsedBytes / MB,
      duplicates: done.duplicates,
    };
  });
}

async function measureProduce(system: SystemName, mode: 'one' | 'bulk'): Promise<Metrics> {
  await flush();
  const ctx = ctxFor(system);
  return withChildren(async (spawnChild) => {
    const producer = await spawnChild(producerInit(system, ctx, mode, N, 0, 0, 0, warmupFor(mode)), `${system}-producer`);
    await resetCommandStats();
    const cpu0 = await redisCpuSeconds(admin!);
    const mc0 = machineCpu();
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], deadlineFor(N), 'produce');
    const mc1 = machineCpu();
    const cpu1 = await redisCpuSeconds(admin!);
    return {
      ...(await commandsPerMessage(N)),
      foreignCpuPct: foreignCpuPct(mc0, mc1, cpu1 - cpu0 + cpuS(produced), NCPU),
      rate: rate(N, produced.startUs, produced.endUs),
      seconds: (produced.endUs - produced.startUs) / 1e6,
      producerCpuPer100k: cpuPer100k(produced.cpuUserUs + produced.cpuSystemUs, N),
      redisCpuPer100k: cpuPer100k((cpu1 - cpu0) * 1e6, N),
    };
  });
}

/** Fills a backlog of n messages (setup, fastest path), then times one consumer draining it. */
async function measureDrain(system: SystemName, n: number, rssSampleMs = 100): Promise<Metrics & { fillRate: number; redisUsedMemoryMB: number }> {
  await flush();
  const ctx = ctxFor(system);
  return withChildren(async (spawnChild) => {
    const producer = await spawnChild(producerInit(system, ctx, 'fill', n, 0, 0, 0, warmupFor('fill')), `${system}-filler`);
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], deadlineFor(n), 'fill');
    await producer.close();
    const used = await redisUsedMemory(admin!);
    const consumer = await spawnChild(consumerInit(system, ctx, n, false, rssSampleMs), `${system}-consumer`);
    consumer.send({ type: 'mark' });
    await consumer.wait(['marked'], 10_000, 'mark');
    await resetCommandStats();
    const cpu0 = await redisCpuSeconds(admin!);
    const mc0 = machineCpu();
    consumer.send({ type: 'start' });
    const done = await consumer.wait<ConsumerDone>(['done'], deadlineFor(n), 'drain');
    const mc1 = machineCpu();
    const cpu1 = await redisCpuSeconds(admin!);
    return {
      ...(await commandsPerMessage(n)),
      foreignCpuPct: foreignCpuPct(mc0, mc1, cpu1 - cpu0 + cpuS(done), NCPU),
      // The backlog starts with WARMUP warm-up entries: time from the first measured one.
      rate: rate(n, WARMUP > 0 ? done.firstUs : done.startedUs, done.lastUs),
      seconds: (done.lastUs - done.startedUs) / 1e6,
      fillRate: rate(n, produced.startUs, produced.endUs),
      nodeCpuPer100k: cpuPer100k(done.cpuUserUs + done.cpuSystemUs, n),
      redisCpuPer100k: cpuPer100k((cpu1 - cpu0) * 1e6, n),
      idleRssMB: done.rssAtMarkBytes / MB,
      peakRssMB: done.peakRssBytes / MB,
      maxRssMB: done.maxRssBytes / MB,
      peakHeapTotalMB: done.peakHeapTotalBytes / MB,
      peakHeapUsedMB: done.peakHeapUsedBytes / MB,
      peakExternalMB: done.peakExternalBytes / MB,
      redisUsedMemoryMB: used / MB,
      duplicates: done.duplicates,
    };
  });
}

async function measureLatency(system: SystemName): Promise<Metrics> {
  await flush();
  const ctx = ctxFor(system);
  const total = LAT_N + LAT_WARMUP;
  const budget = 30_000 + LAT_WARMUP_GAP_MS + (total / LAT_RATE) * 1000 * 1.5;
  return withChildren(async (spawnChild) => {
    const consumer = await spawnChild(consumerInit(system, ctx, total, true), `${system}-consumer`);
    const producer = await spawnChild(producerInit(system, ctx, 'one', total, LAT_RATE, 0, LAT_WARMUP), `${system}-producer`);
    consumer.send({ type: 'start' });
    await consumer.wait(['started'], 30_000, 'start');
    await sleep(300);
    consumer.send({ type: 'mark' });
    await consumer.wait(['marked'], 10_000, 'mark');
    const cpu0 = await redisCpuSeconds(admin!);
    const mc0 = machineCpu();
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], budget, 'produce');
    const done = await consumer.wait<ConsumerDone>(['done'], 10_000, 'consume');
    const mc1 = machineCpu();
    const cpu1 = await redisCpuSeconds(admin!);
    const l = done.latency!;
    return {
      foreignCpuPct: foreignCpuPct(mc0, mc1, cpu1 - cpu0 + cpuS(done) + cpuS(produced), NCPU),
      p50Ms: l.p50Ms,
      p99Ms: l.p99Ms,
      p999Ms: l.p999Ms,
      maxMs: l.maxMs,
      meanMs: l.meanMs,
      count: l.count,
      achievedRate: rate(total, produced.startUs, produced.endUs),
      nodeCpuPer100k: cpuPer100k(done.cpuUserUs + done.cpuSystemUs, total),
    };
  });
}

async function measureCeiling(): Promise<{ rate: number; command: string }> {
  await flush();
  const payload = JSON.stringify(makePayload(0));
  const args = ['-h', '127.0.0.1', '-p', String(redis!.port), '-n', String(Math.max(N, 100_000)), '-c', '50', '-P', '64', '-q', 'XADD', 'bench-ceiling', '*', 'd', payload];
  const command = `redis-benchmark ${args.slice(2).map((a) => (/[\s*"{]/.test(a) ? `'${a}'` : a)).join(' ')}`;
  const out = await withDeadline(
    new Promise<string>((resolveOut, reject) => {
      const p = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      live.add(p);
      let text = '';
      p.stdout.on('data', (b: Buffer) => (text += b.toString()));
      p.stderr.on('data', (b: Buffer) => (text += b.toString()));
      p.on('error', reject);
      p.on('exit', (code) => {
        live.delete(p);
        if (code === 0) resolveOut(text);
        else reject(new Error(`redis-benchmark exited ${code}: ${text.slice(-300)}`));
      });
    }),
    120_000,
    'redis-benchmark',
  );
  const m = /([\d.]+) requests per second/.exec(out.split('\r').pop() ?? out) ?? /([\d.]+) requests per second/.exec(out);
  if (!m) throw new Error(`could not parse redis-benchmark output: ${out.slice(-300)}`);
  return { rate: Number(m[1]), command };
}

async function measureMemory(variant: 'none' | 'deleteOnAck' | 'maxLen'): Promise<MemoryResult> {
  await flush();
  const MAXLEN = 10_000;
  const extra: Record<string, unknown> =
    variant === 'deleteOnAck' ? { consumer: { deleteOnAck: true } } : variant === 'maxLen' ? { producer: { retention: { maxLen: MAXLEN } } } : {};
  const ctx = ctxFor('streamq', extra);
  const total = Math.round(MEM_RATE * MEM_SECONDS);
  const result: MemoryResult = {
    variant: variant === 'none' ? 'none (control)' : variant === 'maxLen' ? `maxLen ${MAXLEN.toLocaleString('en-US')}` : 'deleteOnAck',
    settings: extra,
    rate: MEM_RATE,
    seconds: MEM_SECONDS,
    consumerCaughtUp: false,
    series: [],
  };
  try {
    await withChildren(async (spawnChild) => {
      const consumer = await spawnChild(consumerInit('streamq', ctx, total), 'streamq-consumer');
      const producer = await spawnChild(producerInit('streamq', ctx, 'one', total, MEM_RATE, MEM_SECONDS * 1000), 'streamq-producer');
      consumer.send({ type: 'start' });
      await consumer.wait(['started'], 30_000, 'start');
      const t0 = Date.now();
      producer.send({ type: 'start' });
      const producedP = producer.wait<ProducerDone>(['produced'], MEM_SECONDS * 1000 + 60_000, 'produce');
      let produced = false;
      producedP.then(
        () => (produced = true),
        () => (produced = true),
      );
      // One sample a second while the load runs.
      for (let s = 1; !produced && Date.now() - t0 < MEM_SECONDS * 1000 + 60_000; s++) {
        const wakeAt = t0 + s * 1000;
        await sleep(Math.max(0, wakeAt - Date.now()));
        if (produced) break;
        const [xlen, streamBytes, usedMemory] = await withDeadline(
          Promise.all([admin!.xLen(ctx.key).catch(() => 0), keyMemory(admin!, ctx.key), redisUsedMemory(admin!)]),
          10_000,
          'memory sample',
        );
        const point: MemorySeriesPoint = { t: (Date.now() - t0) / 1000, xlen: Number(xlen), streamBytes, usedMemory };
        result.series.push(point);
      }
      await producedP;
      try {
        await consumer.wait<ConsumerDone>(['done'], 10_000, 'consume');
        result.consumerCaughtUp = true;
      } catch {
        result.consumerCaughtUp = false;
      }
    });
  } catch (err) {
    result.error = String((err as Error).message ?? err);
  }
  return result;
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  if (!argv.tsx) {
    try {
      // Per run (another `npm run bench` may be running in the same tree); removed at exit.
      jsMirror = join(ROOT, 'bench/results', `.js-${process.pid}`);
      childEntry = { path: buildJsMirror(ROOT, jsMirror), execArgv: [] };
    } catch (err) {
      log(`[bench] could not transpile the children (${(err as Error).message}); running them under tsx`);
    }
  }
  redis = await startPrivateRedis();
  admin = await adminClient(redis.url);
  const labels: BenchResults['labels'] = {};
  for (const s of SYSTEMS) {
    try {
      const a = await loadAdapter(s);
      labels[s] = { oneLabel: a.oneLabel, bulkLabel: a.bulkLabel, settings: a.settings };
    } catch (err) {
      log(`[bench] ${s}: cannot load adapter (${(err as Error).message.split('\n')[0]}); skipping it`);
    }
  }
  const systems = SYSTEMS.filter((s) => labels[s]);
  const pkgVersion = (name: string, from = ROOT) => {
    try {
      return (JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'n/a';
    }
  };
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const res: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      n: N,
      reps: REPS,
      batch: BATCH,
      warmup: WARMUP,
      latency: { measured: LAT_N, warmup: LAT_WARMUP, warmupGapMs: LAT_WARMUP_GAP_MS, rate: LAT_RATE },
      backlog: BACKLOG,
      memory: { seconds: MEM_SECONDS, rate: MEM_RATE },
      systems,
      scenarios: SCEN,
      machine: { nproc: cpus().length, cpuModel, memGB: Math.round(totalmem() / 2 ** 30), loadavgAtStart: loadavg() },
      versions: {
        node: process.version,
        redisServer: redis.version,
        bullmq: pkgVersion('bullmq'),
        ioredis: pkgVersion('ioredis'),
        beeQueue: pkgVersion('bee-queue'),
        beeQueueRedis: pkgVersion('redis', join(ROOT, 'node_modules/bee-queue')),
        nodeRedis: pkgVersion('redis'),
      },
      redis: { port: redis.port, flags: "--save '' --appendonly no --bind 127.0.0.1" },
      children: childEntry.execArgv.length ? 'tsx' : 'transpiled JavaScript (bench/results/.js-<pid>)',
    },
    labels,
    ceiling: { runs: [], median: null, command: null },
    runs: {},
    medians: {},
    memory: [],
    backlog: null,
    targets: [],
  };
  if (loadavg()[0] > 0.7) log(`[bench] warning: load average ${loadavg()[0].toFixed(2)} before starting; other work on this machine will skew the numbers`);
  log(`[bench] private redis-server pid ${redis.pid} on ${redis.url}; N=${N}, reps=${REPS}, systems=${systems.join(',')}, scenarios=${SCEN.join(',')}`);

  const record = async (system: SystemName, scenario: ScenarioName, mode: RowMode, rep: number, fn: () => Promise<Metrics>, show: (m: Metrics) => string) => {
    const key = runKey(system, scenario, mode);
    currentLabel = `${scenario}-${mode === '-' ? '' : mode + '-'}rep${rep}`;
    const t = Date.now();
    let run: Run;
    try {
      run = { rep, m: await fn() };
      log(`[${scenario} ${rep}/${REPS}] ${system}${mode === '-' ? '' : ' ' + (mode === 'one' ? labels[system]!.oneLabel : labels[system]!.bulkLabel)}: ${show(run.m)}  (${((Date.now() - t) / 1000).toFixed(1)} s; other load ${run.m.foreignCpuPct?.toFixed(0)}%)`);
    } catch (err) {
      const msg = String((err as Error).message ?? err);
      run = { rep, m: {}, error: err instanceof DeadlineError ? `timeout: ${msg}` : msg };
      log(`[${scenario} ${rep}/${REPS}] ${system} ${mode}: FAILED ${msg.split('\n')[0]}`);
    }
    (res.runs[key] ??= []).push(run);
  };

  const hasBulk = (s: SystemName) => labels[s]!.bulkLabel !== null;

  for (const scenario of SCEN) {
    switch (scenario) {
      case 'ceiling': {
        for (let rep = 1; rep <= REPS; rep++) {
          try {
            const c = await measureCeiling();
            res.ceiling.runs.push(c.rate);
            res.ceiling.command = c.command;
            log(`[ceiling ${rep}/${REPS}] ${fmtRate(c.rate)}`);
          } catch (err) {
            res.ceiling.note = `not available: ${(err as Error).message.split('\n')[0]}`;
            log(`[ceiling] ${res.ceiling.note}`);
            break;
          }
        }
        res.ceiling.median = median(res.ceiling.runs);
        break;
      }
      case 'produce':
        for (let rep = 1; rep <= REPS; rep++)
          for (const s of systems)
            for (const mode of MODES) {
              if (mode === 'bulk' && !hasBulk(s)) continue;
              await record(s, 'produce', mode, rep, () => measureProduce(s, mode), (m) => fmtRate(m.rate!));
            }
        break;
      case 'e2e':
        for (let rep = 1; rep <= REPS; rep++)
          for (const s of systems)
            for (const mode of MODES) {
              if (mode === 'bulk' && !hasBulk(s)) continue;
              await record(s, 'e2e', mode, rep, () => measureE2e(s, mode), (m) =>
                `${fmtRate(m.rate!)}; node ${m.nodeCpuPer100k!.toFixed(2)} s, redis ${m.redisCpuPer100k!.toFixed(2)} s /100k; rss ${m.peakRssMB!.toFixed(0)} MB; dup ${m.duplicates}`,
              );
            }
        break;
      case 'drain':
        for (let rep = 1; rep <= REPS; rep++)
          for (const s of systems)
            await record(s, 'drain', '-', rep, () => measureDrain(s, N), (m) => `${fmtRate(m.rate!)}; rss ${m.peakRssMB!.toFixed(0)} MB`);
        break;
      case 'latency':
        for (let rep = 1; rep <= REPS; rep++)
          for (const s of systems)
            await record(s, 'latency', '-', rep, () => measureLatency(s), (m) =>
              `p50 ${m.p50Ms!.toFixed(3)} ms, p99 ${m.p99Ms!.toFixed(3)} ms, max ${m.maxMs!.toFixed(2)} ms`,
            );
        break;
      case 'memory':
        if (!labels.streamq) break;
        for (const variant of ['none', 'deleteOnAck', 'maxLen'] as const) {
          const m = await measureMemory(variant);
          res.memory.push(m);
          const last = m.series.at(-1);
          log(`[memory] ${m.variant}: ${m.error ? 'FAILED ' + m.error : `${m.series.length} samples, stream ${Math.round((last?.streamBytes ?? 0) / 1024)} KB, XLEN ${last?.xlen}`}`);
        }
        break;
      case 'backlog': {
        if (!labels.streamq || BACKLOG <= 0) break;
        const b: BacklogResult = { entries: BACKLOG };
        try {
          const m = await measureDrain('streamq', BACKLOG, 50);
          Object.assign(b, {
            fillRate: m.fillRate,
            drainRate: m.rate,
            peakRssMB: m.peakRssMB,
            maxRssMB: m.maxRssMB,
            idleRssMB: m.idleRssMB,
            peakHeapTotalMB: m.peakHeapTotalMB,
            peakHeapUsedMB: m.peakHeapUsedMB,
            peakExternalMB: m.peakExternalMB,
            redisUsedMemoryMB: m.redisUsedMemoryMB,
            duplicates: m.duplicates,
          });
          log(`[backlog] ${BACKLOG} entries: fill ${fmtRate(m.fillRate)}, drain ${fmtRate(m.rate!)}, consumer peak RSS ${m.peakRssMB!.toFixed(1)} MB (maxrss ${m.maxRssMB!.toFixed(1)} MB; V8 heap peak ${m.peakHeapTotalMB!.toFixed(1)} MB reserved, ${m.peakHeapUsedMB!.toFixed(1)} MB used)`);
        } catch (err) {
          b.error = String((err as Error).message ?? err);
          log(`[backlog] FAILED ${b.error}`);
        }
        res.backlog = b;
        break;
      }
    }
  }

  await flush().catch(() => {});
  res.medians = computeMedians(res.runs);
  res.targets = systems.includes('streamq') ? checkTargets(res) : [];
  res.meta.wallSeconds = Math.round((Date.now() - started) / 1000);
  res.meta.command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  writeJson(JSON_PATH, res);
  const text = fullText(res);
  const mdPath = JSON_PATH.replace(/\.json$/, '') + '.md';
  writeFileSync(mdPath, text + '\n');
  console.log('');
  console.log(text);
  console.log(`JSON: ${JSON_PATH}; tables: ${mdPath}`);
}

function fullText(res: BenchResults): string {
  const v = res.meta.versions as Record<string, string>;
  const machine = res.meta.machine as { nproc: number; cpuModel: string; memGB: number; loadavgAtStart: number[] };
  return [
    renderTables(res, res.meta.systems as SystemName[]),
    `Machine: ${machine.nproc} × ${machine.cpuModel} (nproc ${machine.nproc}), ${machine.memGB} GB; load average at start ${machine.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}.`,
    `Versions: node ${v.node}; ${v.redisServer.split(' ').slice(0, 3).join(' ')}; streamq (src/ of this tree); bullmq ${v.bullmq} (ioredis ${v.ioredis}); bee-queue ${v.beeQueue} (redis ${v.beeQueueRedis}); node-redis ${v.nodeRedis}.`,
    `Command: ${String(res.meta.command ?? 'npm run bench')}; wall time ${res.meta.wallSeconds} s; ${res.meta.date}.`,
  ].join('\n');
}

const shutdown = async (code: number) => {
  killAll();
  try {
    await admin?.close();
  } catch {
    /* ignore */
  }
  await redis?.stop().catch(() => {});
  removeMirror();
  process.exit(code);
};

process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
process.on('exit', () => {
  killAll();
  removeMirror();
});

if (argv.report) {
  const res = JSON.parse(readFileSync(resolve(argv.report), 'utf8')) as BenchResults;
  res.targets = checkTargets(res);
  console.log(fullText(res));
  process.exit(0);
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    console.error('[bench] fatal:', err);
    void shutdown(1);
  },
);
