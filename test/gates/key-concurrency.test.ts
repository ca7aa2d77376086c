/**
 * Per-key concurrency (`groupBy` + `perKeyConcurrency`) against real redis-server processes:
 *
 * - 3 consumer processes, 6 tenants, `perKeyConcurrency: 2`, handlers of 5–40 ms; one process is
 *   SIGKILLed while its handlers run. From the ledgers (start and end of every run, written
 *   synchronously), no tenant ever has more than 2 runs at once. A run of the killed process ends
 *   at the kill (a dead process runs nothing): its slots stay in Redis until they expire, which
 *   can only delay the others, never overlap them. Every message runs and is acknowledged.
 * - A handler slower than the visibility timeout keeps its slot (renewed by the gate): the key's
 *   next message, held by another consumer, starts only after it ends — also through a Redis
 *   restart on its AOF.
 * - Messages without a key are not limited; a message asked about twice holds one slot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admin, Consumer, MetricsRegistry, Producer, type Message } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { kill, ledgerDir, mostAtOnce, readLedger, readRuns, spawnConsumer, started, stop, type Child, useGateFixture } from './helpers.js';

const fx = useGateFixture();

/** Whether every entry of the group was acknowledged. */
async function drained(stream: string, group: string): Promise<boolean> {
  const g = (await fx.admin.stats(stream)).groups.find((x) => x.name === group);
  return g !== undefined && g.pending === 0 && g.lag === 0;
}

describe('per-key concurrency', { timeout: 180_000 }, () => {
  it('never runs more than perKeyConcurrency handlers of a key across 3 processes, through a SIGKILL', async () => {
    const stream = uniqueName('perkey');
    const group = 'g';
    const tenants = ['t0', 't1', 't2', 't3', 't4', 't5'];
    const producer = new Producer<number>({ stream, redis: fx.server.url, registry: new MetricsRegistry() });
    for (let round = 0; round < 200; round++) {
      for (const tenant of tenants) await producer.sendMany([round], { headers: { tenant } });
    }
    await producer.close();
    const dir = ledgerDir();
    const env = { REDIS_URL: fx.server.url, STREAM: stream, GROUP: group, CONCURRENCY: '8', VISIBILITY_MS: '1500', HANDLER_MS: '5-40', PER_KEY: '2' };
    const fleet = ['a', 'b', 'c'].map((name) => spawnConsumer(dir, name, env));
    fx.children.push(...fleet);
    await Promise.all(fleet.map((x) => started(x)));
    const victim = fleet[1] as Child;
    // Killed while it runs handlers (starts without an end in its ledger). Early in the run: on a
    // loaded machine the victim may start last and get only a small share of the 1,200.
    await waitFor(() => {
      const runs = readLedger(victim.name, victim.ledger);
      return (runs.length >= 20 && runs.filter((r) => r.end === undefined).length >= 2) || undefined;
    }, { deadlineMs: 30_000, intervalMs: 5, description: 'the victim to run handlers' });
    await kill(victim);
    await waitFor(() => drained(stream, group), { deadlineMs: 90_000, intervalMs: 200, description: 'every message acknowledged' });
    for (const x of [fleet[0], fleet[2]] as Child[]) assert.equal(await stop(x), 0, `${x.name} closed gracefully: ${x.output()}`);

    const runs = readRuns(fleet);
    const killedAt = (name: string): number | undefined => fleet.find((c) => c.name === name)?.killedAt;
    const cut = runs.filter((r) => r.end === undefined);
    assert.ok(cut.length >= 2 && cut.every((r) => r.process === victim.name), 'the victim was killed with handlers running');
    assert.equal(new Set(runs.map((r) => r.id)).size, 1_200, 'every message ran');
    const most = mostAtOnce(runs, killedAt);
    console.log(`# ${runs.length} runs, ${cut.length} cut by the kill; most at once for one key: ${most.count} (${most.tenant})`);
    assert.equal(most.count, 2, `${most.count} runs of ${most.tenant} at once (at ${most.at}): the limit is 2, and the load reaches it`);
  });

  it('keeps the slot of a handler slower than the visibility timeout', async () => {
    const stream = uniqueName('slow');
    const producer = new Producer<string>({ stream, redis: fx.server.url, registry: new MetricsRegistry() });
    fx.closers.push(() => producer.close());
    const spans: { consumer: string; data: string; start: number; end: number }[] = [];
    const consumerNamed = (name: string): Consumer<string> => {
      const consumer = new Consumer<string>({
        stream, group: 'g', name, redis: fx.server.url, registry: new MetricsRegistry(), visibilityTimeoutMs: 600, reclaimIntervalMs: 100,
        blockMs: 100, prefetch: 0, concurrency: 1, groupBy: (msg) => msg.headers.tenant,
        handler: async (msg) => {
          const start = Date.now();
          await new Promise((resolve) => setTimeout(resolve, msg.data === 'slow' ? 2_000 : 10));
          spans.push({ consumer: name, data: msg.data, start, end: Date.now() });
        },
      });
      fx.closers.push(() => consumer.close());
      return consumer;
    };
    const first = consumerNamed('first');
    await first.start();
    await producer.send('slow', { headers: { tenant: 'k' } });
    await waitFor(async () => (await fx.admin.pending(stream, 'g')).length === 1 || undefined, { description: 'the slow one to be taken' });
    // The second consumer reads the key's next message while the slow one runs 3 visibility timeouts.
    const second = consumerNamed('second');
    await second.start();
    await producer.send('next', { headers: { tenant: 'k' } });
    await waitFor(() => spans.length === 2 || undefined, { deadlineMs: 10_000, description: 'both to run' });
    const [slow, next] = [spans.find((s) => s.data === 'slow'), spans.find((s) => s.data === 'next')] as { start: number; end: number; consumer: string }[];
    assert.equal(slow?.consumer, 'first');
    assert.equal(next?.consumer, 'second', 'the next message was held by the other consumer');
    assert.ok((next as { start: number }).start >= (slow as { end: number }).end, `the next one started ${(slow as { end: number }).end - (next as { start: number }).start} ms before the slow one ended`);
    assert.ok((second.metrics.counters.heldByKeyConcurrency) >= 1, 'the metric counts the wait');
  });

  it('keeps a running handler\'s slot through a Redis restart on its AOF', async () => {
    const aof = await RedisServer.start({ appendOnly: true, appendFsync: 'always' });
    fx.closers.push(() => aof.stop());
    const stream = uniqueName('slot-restart');
    const producer = new Producer<string>({ stream, redis: aof.url, registry: new MetricsRegistry() });
    fx.closers.push(() => producer.close());
    const spans: { data: string; start: number; end: number }[] = [];
    const consumerNamed = (name: string): Consumer<string> => {
      const consumer = new Consumer<string>({
        stream, group: 'g', name, redis: aof.url, registry: new MetricsRegistry(), visibilityTimeoutMs: 1_500, reclaimIntervalMs: 100,
        blockMs: 100, prefetch: 0, concurrency: 1, groupBy: (msg) => msg.headers.tenant,
        handler: async (msg) => {
          const start = Date.now();
          await new Promise((resolve) => setTimeout(resolve, msg.data === 'slow' ? 4_000 : 10));
          spans.push({ data: msg.data, start, end: Date.now() });
        },
      });
      consumer.on('error', () => undefined); // connection errors while Redis is down
      fx.closers.push(() => consumer.close());
      return consumer;
    };
    await consumerNamed('first').start();
    await producer.send('slow', { headers: { tenant: 'k' } });
    const admin2 = new Admin({ redis: aof.url });
    fx.closers.push(() => admin2.close());
    await waitFor(async () => (await admin2.keyConcurrency(stream, 'g')).keys.length === 1 || undefined, { description: 'the slot taken' });
    await consumerNamed('second').start();
    await producer.send('next', { headers: { tenant: 'k' } });
    await aof.kill();
    await aof.restart();
    await waitFor(() => spans.length === 2 || undefined, { deadlineMs: 20_000, description: 'both to run' });
    const slow = spans.find((x) => x.data === 'slow') as { end: number };
    const next = spans.find((x) => x.data === 'next') as { start: number };
    assert.ok(next.start >= slow.end, `the key's next message started ${slow.end - next.start} ms before the slow one ended`);
  });

  it('leaves keyless messages unlimited and takes one slot per message however often it is asked', async () => {
    const stream = uniqueName('keyless');
    const producer = new Producer<number>({ stream, redis: fx.server.url, registry: new MetricsRegistry() });
    fx.closers.push(() => producer.close());
    let running = 0;
    let most = 0;
    const handled: Message<number>[] = [];
    const consumer = new Consumer<number>({
      stream, group: 'g', redis: fx.server.url, registry: new MetricsRegistry(), concurrency: 8, blockMs: 100,
      groupBy: (msg) => msg.headers.tenant, perKeyConcurrency: 1,
      // A rate limit after the key gate makes the dispatcher ask the key gate again about held messages.
      rateLimit: { max: 4, perMs: 300 },
      handler: async (msg) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running--;
        handled.push(msg);
      },
    });
    fx.closers.push(() => consumer.close());
    await producer.sendMany([1, 2, 3, 4, 5, 6, 7, 8]);
    await consumer.start();
    await waitFor(() => handled.length === 8 || undefined, { deadlineMs: 10_000, description: 'keyless messages to run' });
    assert.ok(most >= 4, `keyless messages ran ${most} at once: they are not limited by the key gate`);
    assert.equal(consumer.metrics.counters.heldByKeyConcurrency, 0);
    // One key, 6 messages: one at a time, and each holds exactly one slot while waiting for the rate limit.
    running = 0;
    most = 0;
    await producer.sendMany([1, 2, 3, 4, 5, 6], { headers: { tenant: 'solo' } });
    const slots: number[] = [];
    await waitFor(async () => {
      const state = await fx.admin.keyConcurrency(stream, 'g');
      slots.push(state.keys.find((k) => k.key === 'solo')?.holders.length ?? 0);
      return handled.length === 14 || undefined;
    }, { deadlineMs: 15_000, intervalMs: 20, description: 'the keyed messages to run' });
    assert.equal(most, 1, 'one handler of the key at a time');
    assert.ok(Math.max(...slots) === 1, `slots held for the key: ${Math.max(...slots)}`);
  });
});
