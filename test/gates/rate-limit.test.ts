/**
 * Rate limits across consumer processes, against real redis-server processes:
 *
 * - group: 3 consumer processes share `{ max: 200, perMs: 1000 }` over a backlog of 3,000; one is
 *   SIGKILLed mid-run and restarted under its name. Every window of 1 s on Redis's clock holds at
 *   most 200 grants (each run's grant time comes from the gate), the steady rate is within 10 % of
 *   200/s, and every message is handled and acknowledged.
 * - per key: a partitioned stream, two tenants at `{ max: 50, perMs: 1000, key }`; one floods
 *   (500), the other (150, sent after the flood) still gets its 50/s, and ends long before the flood.
 * - a Redis restart on its AOF keeps the window: the budget spent before the crash stays spent.
 *
 * Handler start times (each process's clock) trail their grants by a few ms, a varying amount on a
 * loaded machine: windows of start times are reported, and asserted with that jitter allowed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, MetricsRegistry, PartitionedProducer, Producer, partitionOf } from '../../src/index.js';
import { rateGrantTime } from '../../src/admission/rate-limit-gate.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { busiestWindow, kill, ledgerDir, readRuns, spawnConsumer, started, steadyRate, stop, type Child } from './helpers.js';

/** Largest gap allowed between a run's grant and its handler start when checking start-time windows (loaded 2-vCPU box). */
const START_JITTER_MS = 100;

let server: RedisServer;
let admin: Admin;
const children: Child[] = [];
before(async () => {
  server = await RedisServer.start({ appendOnly: true, appendFsync: 'always' });
  admin = new Admin({ redis: server.url });
});
after(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await admin.close();
  await server.stop();
});

/** Pending entries and lag of a group (0 and 0 once everything was acknowledged). */
async function backlogOf(stream: string, group: string): Promise<{ pending: number; lag: number | null }> {
  const g = (await admin.stats(stream)).groups.find((x) => x.name === group);
  return { pending: g?.pending ?? -1, lag: g?.lag ?? null };
}

describe('rate limit across processes', { timeout: 180_000 }, () => {
  it('holds 200 starts per second for 3 processes, through a SIGKILL, at 200/s ± 10 %', async () => {
    const stream = uniqueName('rate');
    const group = 'g';
    const total = 3_000;
    const producer = new Producer<number>({ stream, redis: server.url, registry: new MetricsRegistry() });
    await producer.sendMany(Array.from({ length: total }, (_, i) => i));
    await producer.close();
    const dir = ledgerDir();
    const env = {
      REDIS_URL: server.url, STREAM: stream, GROUP: group, CONCURRENCY: '16', VISIBILITY_MS: '2000', HANDLER_MS: '5-20',
      RATE_LIMIT: JSON.stringify([{ max: 200, perMs: 1000 }]),
    };
    const [a, b, c] = ['a', 'b', 'c'].map((name) => spawnConsumer(dir, name, env)) as [Child, Child, Child];
    children.push(a, b, c);
    await Promise.all([a, b, c].map((x) => started(x)));
    // Mid-run: one process dies with handlers running and messages held; it comes back under its name.
    await waitFor(() => readRuns(children).length >= 800 || undefined, { deadlineMs: 30_000, description: '800 starts' });
    await kill(b);
    const restarted = spawnConsumer(dir, 'b-restarted', { ...env, NAME: 'b' });
    children.push(restarted);
    await started(restarted);
    await waitFor(async () => {
      const { pending, lag } = await backlogOf(stream, group);
      return (pending === 0 && lag === 0) || undefined;
    }, { deadlineMs: 60_000, intervalMs: 200, description: 'every message acknowledged' });
    for (const x of [a, c, restarted]) assert.equal(await stop(x), 0, `${x.name} closed gracefully: ${x.output()}`);

    const runs = readRuns(children);
    assert.equal(new Set(runs.map((r) => r.id)).size, total, 'every message ran');
    const grants = runs.map((r) => r.grant as number);
    assert.ok(grants.every((g) => Number.isFinite(g)), 'every run has its grant time');
    const byGrant = busiestWindow(grants, 1000);
    const byStart = busiestWindow(runs.map((r) => r.start), 1000);
    const byStartLessJitter = busiestWindow(runs.map((r) => r.start), 1000 - START_JITTER_MS);
    const rate = steadyRate(grants, 1000);
    console.log(`# ${runs.length} runs (${runs.length - total} again after the kill); busiest 1 s window: ${byGrant.count} grants, ${byStart.count} starts (${byStartLessJitter.count} in ${1000 - START_JITTER_MS} ms); steady rate ${rate.toFixed(1)}/s; held back: see metrics`);
    assert.ok(byGrant.count <= 200, `a 1 s window on Redis's clock held ${byGrant.count} grants (from ${byGrant.at})`);
    assert.ok(byStartLessJitter.count <= 200, `a ${1000 - START_JITTER_MS} ms window held ${byStartLessJitter.count} handler starts`);
    assert.ok(Math.abs(rate - 200) <= 20, `steady rate ${rate.toFixed(1)}/s is not within 10 % of 200/s`);
  });

  it("gives each key its own budget: a flooding tenant does not use up another's 50/s", async () => {
    const stream = uniqueName('keyrate');
    const group = 'g';
    const partitions = 4;
    // Keyed by tenant, the flood fills its own partition only (a single stream would put it in front of everyone).
    assert.notEqual(partitionOf('flood', partitions), partitionOf('calm', partitions));
    const producer = new PartitionedProducer<number>({ stream, partitions, redis: server.url, registry: new MetricsRegistry() });
    await producer.sendMany(Array.from({ length: 500 }, (_, i) => i), { key: () => 'flood', headers: { tenant: 'flood' } });
    await producer.sendMany(Array.from({ length: 150 }, (_, i) => i), { key: () => 'calm', headers: { tenant: 'calm' } });
    await producer.close();
    const dir = ledgerDir();
    const env = {
      REDIS_URL: server.url, STREAM: stream, GROUP: group, PARTITIONS: String(partitions), CONCURRENCY: '8', HANDLER_MS: '2-10',
      RATE_LIMIT: JSON.stringify([{ max: 50, perMs: 1000, byTenant: true }]),
    };
    const fleet = ['a', 'b', 'c'].map((name) => spawnConsumer(dir, name, env));
    children.push(...fleet);
    await Promise.all(fleet.map((x) => started(x)));
    await waitFor(() => readRuns(fleet).length >= 650 || undefined, { deadlineMs: 60_000, intervalMs: 200, description: 'every message to run' });
    for (const x of fleet) assert.equal(await stop(x), 0, `${x.name} closed gracefully: ${x.output()}`);

    const runs = readRuns(fleet);
    const grantsOf = (tenant: string): number[] => runs.filter((r) => r.tenant === tenant).map((r) => r.grant as number);
    const flood = grantsOf('flood');
    const calm = grantsOf('calm');
    assert.equal(new Set(runs.map((r) => `${r.stream} ${r.id}`)).size, 650, 'every message ran');
    const calmRate = steadyRate(calm, 1000);
    const calmDone = Math.max(...calm) - Math.min(...calm);
    const floodDone = Math.max(...flood) - Math.min(...flood);
    console.log(`# per key: flood busiest window ${busiestWindow(flood, 1000).count}, calm ${busiestWindow(calm, 1000).count}; calm at ${calmRate.toFixed(1)}/s, its 150 within ${calmDone} ms; the flood's 500 within ${floodDone} ms`);
    for (const [tenant, grants] of [['flood', flood], ['calm', calm]] as const) {
      const busiest = busiestWindow(grants, 1000);
      assert.ok(busiest.count <= 50, `${tenant}: ${busiest.count} grants in a 1 s window`);
    }
    assert.ok(Math.abs(calmRate - 50) <= 5, `the calm tenant ran at ${calmRate.toFixed(1)}/s, not its 50/s`);
    assert.ok(Math.max(...calm) < Math.max(...flood) - 5_000, 'the calm tenant finished long before the flood');
  });

  it('keeps the window through a Redis restart on its AOF: a spent budget stays spent', async () => {
    const stream = uniqueName('rate-restart');
    const total = 250;
    const producer = new Producer<number>({ stream, redis: server.url, registry: new MetricsRegistry() });
    await producer.sendMany(Array.from({ length: total }, (_, i) => i));
    await producer.close();
    const grants: number[] = [];
    const consumer = new Consumer<number>({
      stream, group: 'g', redis: server.url, registry: new MetricsRegistry(), concurrency: 16, blockMs: 200,
      rateLimit: { max: 100, perMs: 3_000 },
      handler: (msg) => { grants.push(rateGrantTime(msg as never) as number); },
    });
    consumer.on('error', () => undefined); // connection errors while Redis is down
    await consumer.start();
    await waitFor(() => grants.length >= 100 || undefined, { deadlineMs: 10_000, description: 'the first window spent' });
    await server.kill();
    await server.restart();
    const restartedAfter = Date.now() - Math.min(...grants);
    await waitFor(() => grants.length >= total || undefined, { deadlineMs: 30_000, intervalMs: 100, description: 'every message to run' });
    await consumer.close();
    const busiest = busiestWindow(grants, 3_000);
    console.log(`# restart: Redis back ${restartedAfter} ms after the first grant; busiest 3 s window ${busiest.count}`);
    // The consumer is back (reconnects within 1 s) well inside the first window: a lost log would grant at once.
    assert.ok(restartedAfter < 1_500, `Redis took ${restartedAfter} ms to come back: too late to prove anything`);
    assert.ok(busiest.count <= 100, `${busiest.count} grants in a 3 s window across the restart`);
  });
});
