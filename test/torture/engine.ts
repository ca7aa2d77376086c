/**
 * The torture run: a private redis-server (AOF, appendfsync always) behind a fault proxy on
 * loopback, K consumer processes in one group, a producer in this process, and the chaos loop;
 * at the end, a verdict from the stream, the dead letters, the group and the ledgers.
 * `runTorture(config)` is what `npm run torture` and the small test both call.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Producer, streamKeys } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Chaos, type FaultRecord, type KillRecord } from './chaos.js';
import type { TortureConfig } from './config.js';
import { Fleet } from './fleet.js';
import { Monitor, type GroupState } from './monitor.js';
import { makePayloads, type TorturePayload } from './protocol.js';
import { newSendStats, sendAll, type SendStats } from './sender.js';
import { failuresOf } from './judge.js';
import { verify, type Verdict } from './verify.js';

/** Everything a torture run reports. */
export interface TortureReport extends Verdict {
  ok: boolean;
  failures: string[];
  config: TortureConfig;
  send: Omit<SendStats, 'ids'>;
  producerErrorEvents: number;
  /** Every fault injected, in order. */
  faultLog: FaultRecord[];
  /** Every consumer SIGKILL, with the entries the killed consumer held. */
  killLog: KillRecord[];
  faults: { consumerKills: number; reusedNames: number; redisKills: number; redisDowntimesMs: number[]; cuts: number; cutConnections: number };
  counters: ReturnType<Fleet['counters']>;
  consumerErrors: Record<string, number>;
  consumerWarnings: number;
  consumerProcesses: number;
  /** Consumer processes that exited on their own (crashes): must be none. */
  unexpectedExits: Fleet['unexpectedExits'];
  adminStats: { deadLetters: number; pending: number };
  /** From the first send until every message was settled. */
  wallMs: number;
  /** Including start-up, graceful close and verification. */
  totalMs: number;
  runDir: string;
}

/** Runs one torture run; `log` receives progress lines. Never throws for a failed verdict: see `ok` and `failures`. */
export async function runTorture(config: TortureConfig, log: (line: string) => void = () => undefined): Promise<TortureReport> {
  const startedAt = Date.now();
  const runDir = await mkdtemp(join(tmpdir(), 'streamq-torture-'));
  const stamp = (line: string): void => log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  // Frequent AOF rewrites keep the file compact (an RDB preamble plus a short tail), so a restart
  // reloads in well under the support helper's 10 s even late in a long run.
  const server = await RedisServer.start({
    appendOnly: true, appendFsync: 'always', dir: join(runDir, 'redis'), extraArgs: ['--auto-aof-rewrite-min-size', '8mb'],
  });
  let proxy: TcpProxy | undefined;
  let monitor: Monitor | undefined;
  let producer: Producer<TorturePayload> | undefined;
  let fleet: Fleet | undefined;
  let ok = false;
  try {
    proxy = await TcpProxy.start({ host: server.host, port: server.port });
    monitor = await Monitor.connect(server.url);
    const stream = uniqueName('torture');
    const group = 'torture';
    stamp(`redis-server pid ${server.pid} on ${server.port} (AOF, fsync always), proxy ${proxy.url}, stream ${stream}, run dir ${runDir}`);
    fleet = new Fleet(runDir, {
      url: proxy.url, stream, group, visibilityTimeoutMs: config.visibilityTimeoutMs, maxDeliveries: config.maxDeliveries,
      concurrency: config.concurrency, retryDelayMs: config.retryDelayMs,
    });
    const first = Array.from({ length: config.consumers }, () => (fleet as Fleet).spawn());
    if (!(await fleet.waitReady(first, 60_000))) throw new Error('consumer processes did not start within 60 s');
    stamp(`${config.consumers} consumer processes ready`);

    producer = new Producer<TorturePayload>({ stream, redis: proxy.url, connectTimeoutMs: 10_000 });
    const result = await exercise(config, { server, proxy, monitor, fleet, producer, stream, group, stamp });
    ok = result.ok;
    result.totalMs = Date.now() - startedAt;
    result.runDir = runDir;
    if (!ok || config.keep) await writeFile(join(runDir, 'report.json'), JSON.stringify(result, null, 2));
    return result;
  } finally {
    await producer?.close().catch(() => undefined);
    await fleet?.killAll();
    await monitor?.close();
    await proxy?.close();
    await server.stop();
    if (ok && !config.keep) await rm(runDir, { recursive: true, force: true, maxRetries: 3 });
    else stamp(`run directory kept: ${runDir}`);
  }
}

interface Rig {
  server: RedisServer;
  proxy: TcpProxy;
  monitor: Monitor;
  fleet: Fleet;
  producer: Producer<TorturePayload>;
  stream: string;
  group: string;
  stamp: (line: string) => void;
}

/** Sends, injects faults, waits for every message to settle, closes the consumers and computes the report. */
async function exercise(config: TortureConfig, rig: Rig): Promise<TortureReport> {
  const { fleet, monitor, producer, stream, group, stamp } = rig;
  const payloads = makePayloads(config.n, { seed: config.seed, poisonRate: config.poisonRate, longRate: config.longHandlerRate, visibilityTimeoutMs: config.visibilityTimeoutMs });
  const expectedHandled = payloads.filter((p) => p.p !== 1).length;
  let producerErrorEvents = 0;
  producer.on('error', () => { producerErrorEvents++; });
  const stats = newSendStats(config.n);
  const sendStart = Date.now();
  let sendingOver = false;
  let chaosError: Error | undefined;
  const sending = sendAll(producer, payloads, stats, {
    concurrency: config.sendConcurrency,
    mayContinue: () => stats.sent - fleet.handledApprox() < config.backlog,
    abort: () => (chaosError ? new Error(`torture run aborted: fault injection failed: ${chaosError.message}`) : undefined),
  }).finally(() => { sendingOver = true; });
  sending.catch(() => undefined);

  const handledSoFar = (): number => Math.min(fleet.handledApprox(), expectedHandled);
  const chaos = new Chaos({
    config, server: rig.server, proxy: rig.proxy, fleet, monitor, stream, log: stamp,
    progress: () => (stats.sent + handledSoFar()) / (config.n + expectedHandled),
  });
  let groupSettled = false;
  const poller = setInterval(() => {
    if (!sendingOver) return;
    monitor.groupState(stream, group).then((state) => {
      groupSettled = state !== undefined && state.pending === 0 && state.lastDeliveredId === state.lastGeneratedId;
    }, () => undefined);
  }, 250);
  const ticker = setInterval(() => {
    stamp(`sent ${stats.sent}/${config.n}, handled ≈${fleet.handledApprox()}/${expectedHandled}, consumers alive ${fleet.alive().length}, send retries ${stats.failedAttempts}`);
  }, config.verbose ? 5_000 : 1 << 30);
  try {
    const chaosOver = chaos.run(() => sendingOver && (groupSettled || chaosError !== undefined || Date.now() > stats.finishedAt + config.settleTimeoutMs / 2))
      .catch((error: Error) => { chaosError = error; stamp(`chaos failed: ${error.message}`); });
    await sending;
    if (chaosError) throw new Error(`torture run aborted: fault injection failed: ${chaosError.message}`);
    stamp(`all ${config.n} messages sent in ${((stats.finishedAt - sendStart) / 1000).toFixed(1)} s`);
    await chaosOver;
    stamp('chaos over; waiting for every message to settle');
    const settled = await settle(monitor, stream, group, config.settleTimeoutMs);
    const settledAt = Date.now();
    stamp(settled ? 'settled: nothing pending, everything delivered' : `NOT settled within ${config.settleTimeoutMs} ms`);
    await fleet.closeAll(15_000);
    const result = await assemble(config, rig, chaos, stats, { producerErrorEvents, wallMs: settledAt - sendStart });
    result.failures = failuresOf(result, config);
    if (chaosError) result.failures.push(`fault injection failed: ${(chaosError as Error).message}`);
    result.ok = result.failures.length === 0;
    return result;
  } finally {
    clearInterval(ticker);
    clearInterval(poller);
  }
}

/** Reads the evidence back (straight from Redis and the ledgers) and puts the report together. */
async function assemble(
  config: TortureConfig, rig: Rig, chaos: Chaos, stats: SendStats, extra: { producerErrorEvents: number; wallMs: number },
): Promise<TortureReport> {
  const { fleet, monitor, stream, group } = rig;
  const final = await monitor.groupState(stream, group);
  const admin = new Admin({ redis: rig.server.url });
  const adminStats = await admin.stats(stream).finally(() => admin.close());
  const verdict = verify({
    n: config.n, visibilityTimeoutMs: config.visibilityTimeoutMs,
    stream: await monitor.readAll(stream), dead: await monitor.readAll(streamKeys(stream).dead),
    pendingLeft: final?.pending ?? -1, allDelivered: final !== undefined && final.lastDeliveredId === final.lastGeneratedId,
    sendStats: stats,
    ledgers: fleet.all.map((h) => ({ instance: h.instance, name: h.name, path: h.ledger, killedAt: h.killedAt })),
    kills: chaos.kills, faults: chaos.faults,
  });
  const { ids: _ids, ...send } = stats;
  return {
    ...verdict, ok: false, failures: [], config, send, producerErrorEvents: extra.producerErrorEvents, faultLog: chaos.faults, killLog: chaos.kills,
    faults: {
      consumerKills: chaos.count('consumer-kill'), reusedNames: chaos.kills.filter((k) => k.replacementReusedName).length,
      redisKills: chaos.count('redis-kill'),
      redisDowntimesMs: chaos.faults.filter((f) => f.kind === 'redis-kill').map((f) => f.endAt - f.at),
      cuts: chaos.count('cut'),
      cutConnections: chaos.faults.filter((f) => f.kind === 'cut').reduce((sum, f) => sum + Number.parseInt(f.detail, 10), 0),
    },
    counters: fleet.counters(), consumerErrors: fleet.errors(), consumerWarnings: fleet.warnings(), consumerProcesses: fleet.all.length,
    unexpectedExits: fleet.unexpectedExits,
    adminStats: { deadLetters: adminStats.deadLetters, pending: adminStats.groups.find((g) => g.name === group)?.pending ?? -1 },
    wallMs: extra.wallMs, totalMs: 0, runDir: '',
  };
}

/** Polls until the group has nothing pending and everything was delivered; false at the deadline. */
async function settle(monitor: Monitor, stream: string, group: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state: GroupState | undefined = await monitor.groupState(stream, group).catch(() => undefined);
    if (state && state.pending === 0 && state.lastDeliveredId === state.lastGeneratedId) return true;
    await sleep(250);
  }
  return false;
}
