/**
 * The features torture run: streamq's features under the classic run's faults. A private
 * redis-server (AOF, fsync always) behind the fault proxy; two groups on one stream, one consumed
 * with a `batchHandler`, one with `for await`, both `deleteOnAck`; a producer with
 * `retention.maxLen` sending plain, delayed (`delayMs`) and deduplicated (`dedupKey`, each key sent
 * twice) messages; consumer SIGKILLs, a Redis kill -9 and restart, connection cuts (chaos.ts).
 * During the run a sampler checks, atomically, that no entry pending in a group has lost its data;
 * at the end the verdict comes from the ledgers, the sender's records and Redis.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer, StreamqError, streamKeys, type CounterValues } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Chaos, type FaultRecord, type KillRecord } from './chaos.js';
import type { FeaturesConfig } from './features-config.js';
import { featuresFailures } from './features-judge.js';
import { FEATURE_GROUPS, makeFeaturesPayloads, type FeaturesPayload } from './features-protocol.js';
import { verifyFeatures, type FeaturesVerdict } from './features-verify.js';
import { Fleet, type UnexpectedExit } from './fleet.js';
import { Monitor } from './monitor.js';
import { newSendStats, sendAll, type SendStats } from './sender.js';

const WORKER = fileURLToPath(new URL('./features-worker.ts', import.meta.url));

/** Everything a features run reports. */
export interface FeaturesReport extends FeaturesVerdict {
  ok: boolean;
  failures: string[];
  config: FeaturesConfig;
  send: Omit<SendStats, 'ids'>;
  faultLog: FaultRecord[];
  killLog: KillRecord[];
  faults: { consumerKills: number; redisKills: number; cuts: number };
  counters: CounterValues;
  consumerErrors: Record<string, number>;
  consumerProcesses: number;
  unexpectedExits: UnexpectedExit[];
  wallMs: number;
  totalMs: number;
  runDir: string;
}

/**
 * Finds pending entries whose data is gone, in every group, atomically (a script): a safe trim or
 * deleteOnAck removed something a group had not acknowledged.
 */
const PENDING_WITHOUT_DATA = `
local out = {}
for i = 1, #ARGV do
  local ok, rows = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[i], '-', '+', 100000)
  if ok then
    for _, row in ipairs(rows) do
      if #redis.call('XRANGE', KEYS[1], row[1], row[1]) == 0 then out[#out + 1] = ARGV[i] .. ' ' .. row[1] end
    end
  end
end
return out`;

/** Samples {@link PENDING_WITHOUT_DATA} every 100 ms until stopped (a failed sample, Redis down, is skipped). */
class TrimWatch {
  readonly found = new Set<string>();
  samples = 0;
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(monitor: Monitor, stream: string, groups: readonly string[]) {
    this.#done = (async () => {
      while (!this.#stopped) {
        try {
          for (const item of await monitor.send<string[]>(['EVAL', PENDING_WITHOUT_DATA, '1', stream, ...groups], 3_000)) this.found.add(String(item));
          this.samples++;
        } catch {
          // Redis is down or restarting: the next sample will see the same PEL
        }
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

/** What the sender records beside the send figures. */
interface SendRecords {
  stats: SendStats;
  dueAt: (number | undefined)[];
  dedupIds: ([string, string] | undefined)[];
  /** Second sends of dedup keys still to come. */
  resends: Promise<void>[];
}

/** Sends one dedup message's second copy after a pause, retrying like the first one. */
async function resend(producer: Producer<FeaturesPayload>, payload: FeaturesPayload, firstId: string, records: SendRecords): Promise<void> {
  await sleep(Math.floor(Math.random() * 1_000));
  for (let attempt = 1; ; attempt++) {
    try {
      records.dedupIds[payload.n] = [firstId, await producer.send(payload, { dedupKey: payload.dedup as string })];
      return;
    } catch (error) {
      if (!(error instanceof StreamqError)) throw error;
      records.stats.failedAttempts++;
      await sleep(Math.min(500, 20 * attempt));
    }
  }
}

/** Sends one message as its kind says; records due times and schedules the second send of a dedup key. */
function sender(producer: Producer<FeaturesPayload>, records: SendRecords): (payload: FeaturesPayload) => Promise<string> {
  return async (payload) => {
    if (payload.delayMs !== undefined) {
      records.dueAt[payload.n] ??= Date.now() + payload.delayMs;
      return producer.send(payload, { delayMs: payload.delayMs });
    }
    if (payload.dedup === undefined) return producer.send(payload);
    const id = await producer.send(payload, { dedupKey: payload.dedup });
    if (records.dedupIds[payload.n] === undefined) {
      records.dedupIds[payload.n] = [id, id];
      records.resends.push(resend(producer, payload, id, records));
    }
    return id;
  };
}

/** Whether both groups read everything, hold nothing pending, and no delayed message waits. */
async function settled(monitor: Monitor, stream: string): Promise<boolean> {
  const delayed = Number(await monitor.send(['ZCARD', streamKeys(stream).delayed], 3_000));
  if (delayed > 0) return false;
  for (const { group } of FEATURE_GROUPS) {
    const state = await monitor.groupState(stream, group);
    if (state === undefined || state.pending !== 0 || state.lastDeliveredId !== state.lastGeneratedId) return false;
  }
  return true;
}

/** Runs one features torture run; `log` receives progress lines. Never throws for a failed verdict: see `ok` and `failures`. */
export async function runFeaturesTorture(config: FeaturesConfig, log: (line: string) => void = () => undefined): Promise<FeaturesReport> {
  const startedAt = Date.now();
  const runDir = await mkdtemp(join(tmpdir(), 'streamq-features-'));
  const stamp = (line: string): void => log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const server = await RedisServer.start({ appendOnly: true, appendFsync: 'always', dir: join(runDir, 'redis'), extraArgs: ['--auto-aof-rewrite-min-size', '8mb'] });
  let proxy: TcpProxy | undefined;
  let monitor: Monitor | undefined;
  let producer: Producer<FeaturesPayload> | undefined;
  let fleet: Fleet | undefined;
  let ok = false;
  try {
    proxy = await TcpProxy.start({ host: server.host, port: server.port });
    monitor = await Monitor.connect(server.url);
    const stream = uniqueName('features');
    stamp(`redis-server pid ${server.pid} on ${server.port}, proxy ${proxy.url}, stream ${stream}, run dir ${runDir}`);
    // Each instance gets its group and mode as its variant (a replacement keeps them).
    fleet = new Fleet(runDir, { url: proxy.url, stream, group: '', visibilityTimeoutMs: config.visibilityTimeoutMs, concurrency: config.concurrency, batchSize: config.batchSize }, WORKER);
    const first = FEATURE_GROUPS.flatMap(({ group, mode }) => Array.from({ length: config.consumersPerGroup },
      () => (fleet as Fleet).spawn(undefined, { group, mode, concurrency: mode === 'batch' ? config.batchConcurrency : config.concurrency })));
    if (!(await fleet.waitReady(first, 60_000))) throw new Error('consumer processes did not start within 60 s');
    producer = new Producer<FeaturesPayload>({ stream, redis: proxy.url, connectTimeoutMs: 10_000, retention: { maxLen: config.maxLen, trimIntervalMs: 100 } });
    const result = await exercise(config, { server, proxy, monitor, fleet, producer, stream, stamp });
    result.totalMs = Date.now() - startedAt;
    result.runDir = runDir;
    result.failures = featuresFailures(result, config);
    ok = result.ok = result.failures.length === 0;
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
  producer: Producer<FeaturesPayload>;
  stream: string;
  stamp: (line: string) => void;
}

/** Sends, injects faults, waits for both groups to settle, closes the consumers and verifies. */
async function exercise(config: FeaturesConfig, rig: Rig): Promise<FeaturesReport> {
  const { fleet, monitor, producer, stream, stamp } = rig;
  const payloads = makeFeaturesPayloads(config.n, config);
  const records: SendRecords = { stats: newSendStats(config.n), dueAt: new Array(config.n), dedupIds: new Array(config.n), resends: [] };
  const slowest = (): number => Math.min(...FEATURE_GROUPS.map(({ group }) => fleet.handledApprox(group)));
  const trimWatch = new TrimWatch(monitor, stream, FEATURE_GROUPS.map((g) => g.group));
  const sendStart = Date.now();
  let sendingOver = false;
  let isSettled = false;
  let chaosError: Error | undefined;
  const sending = sendAll(sender(producer, records), payloads, records.stats, {
    concurrency: config.sendConcurrency,
    mayContinue: () => records.stats.sent - slowest() < config.backlog,
    abort: () => (chaosError ? new Error(`features run aborted: fault injection failed: ${chaosError.message}`) : undefined),
  }).then(() => Promise.all(records.resends)).finally(() => { sendingOver = true; });
  sending.catch(() => undefined);
  const chaos = new Chaos({
    config, server: rig.server, proxy: rig.proxy, fleet, monitor, stream, log: stamp,
    progress: () => (records.stats.sent + Math.min(slowest(), config.n)) / (2 * config.n),
  });
  const poller = setInterval(() => {
    if (sendingOver) settled(monitor, stream).then((yes) => { isSettled = yes; }, () => undefined);
  }, 250);
  try {
    const chaosOver = chaos.run(() => sendingOver && (isSettled || chaosError !== undefined || Date.now() > records.stats.finishedAt + config.settleTimeoutMs / 2))
      .catch((error: Error) => { chaosError = error; stamp(`chaos failed: ${error.message}`); });
    await sending;
    stamp(`all ${config.n} messages sent in ${((Date.now() - sendStart) / 1000).toFixed(1)} s`);
    await chaosOver;
    if (chaosError) throw new Error(`features run aborted: fault injection failed: ${(chaosError as Error).message}`);
    const deadline = Date.now() + config.settleTimeoutMs;
    while (!(await settled(monitor, stream).catch(() => false)) && Date.now() < deadline) await sleep(250);
    const wallMs = Date.now() - sendStart;
    await fleet.closeAll(15_000);
    await trimWatch.stop();
    return await assemble(config, rig, chaos, records, trimWatch, wallMs);
  } finally {
    clearInterval(poller);
    await trimWatch.stop();
  }
}

/** Reads the evidence back and puts the report together (failures are filled in by the caller). */
async function assemble(config: FeaturesConfig, rig: Rig, chaos: Chaos, records: SendRecords, trimWatch: TrimWatch, wallMs: number): Promise<FeaturesReport> {
  const { fleet, monitor, stream } = rig;
  const groups = [];
  for (const { group } of FEATURE_GROUPS) {
    const state = await monitor.groupState(stream, group);
    groups.push({
      group, pendingLeft: state?.pending ?? -1, allDelivered: state !== undefined && state.lastDeliveredId === state.lastGeneratedId,
      ledgers: fleet.all.filter((h) => h.group === group).map((h) => ({ instance: h.instance, name: h.name, path: h.ledger, killedAt: h.killedAt })),
      kills: chaos.kills.filter((k) => k.group === group),
    });
  }
  const verdict = verifyFeatures({
    payloads: makeFeaturesPayloads(config.n, config), dueAt: records.dueAt, dedupIds: records.dedupIds, groups, faults: chaos.faults,
    visibilityTimeoutMs: config.visibilityTimeoutMs, earlyToleranceMs: config.earlyToleranceMs,
    deadLetters: Number(await monitor.send(['XLEN', streamKeys(stream).dead])),
    trimmedWhilePending: [...trimWatch.found], trimSamples: trimWatch.samples,
    finalLength: Number(await monitor.send(['XLEN', stream])),
    delayedLeft: Number(await monitor.send(['ZCARD', streamKeys(stream).delayed])),
  });
  const { ids: _ids, ...send } = records.stats;
  return {
    ...verdict, ok: false, failures: [], config, send, faultLog: chaos.faults, killLog: chaos.kills,
    faults: { consumerKills: chaos.count('consumer-kill'), redisKills: chaos.count('redis-kill'), cuts: chaos.count('cut') },
    counters: fleet.counters(), consumerErrors: fleet.errors(), consumerProcesses: fleet.all.length, unexpectedExits: fleet.unexpectedExits,
    wallMs, totalMs: 0, runDir: '',
  };
}
