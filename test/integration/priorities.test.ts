/**
 * Priority levels: each level its own stream key in the stream's slot (`default` is the stream
 * itself), one group over all of them with the same delivery contract. Strict mode handles every
 * backlogged high message before any low one that was not already in flight; weighted mode gives
 * each backlogged level its weight's share; retries, reclaims and dead letters work per level, and
 * a replayed dead letter goes back to its level.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, closeFileRedis, cmd, fast, openFileRedis, pendingCount, type RawClient } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

const LEVELS = ['high', 'default', 'low'];

/** Sends `count` messages `{ level, n }` to a level, in chunks. */
async function backlog(producer: Producer<{ level: string; n: number }>, level: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const items = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({ level, n: start + i }));
    await producer.sendMany(items, { priority: level });
  }
}

describe('priority levels', () => {
  it('strict: with 10,000 low and 1,000 high waiting, every high starts before any low that was not already in flight', async (t) => {
    const bag = new Bag();
    try {
      const stream = uniqueName('prio-strict');
      const producer = bag.add(new Producer<{ level: string; n: number }>({ stream, redis: redis.url, priorities: LEVELS }));
      await backlog(producer, 'low', 10_000);
      await backlog(producer, 'high', 1_000);
      const started: string[] = [];
      const concurrency = 8;
      const prefetch = 8;
      const consumer = bag.add(new Consumer<{ level: string; n: number }>({
        ...fast(redis.url), stream, group: 'g', priorities: LEVELS, priorityMode: 'strict', concurrency, prefetch,
        handler: (msg) => { started.push(msg.priority); },
      }));
      await consumer.start();
      await waitFor(() => started.length >= 1_000 + 200, { deadlineMs: 30_000, description: 'every high and some low handled' });
      const lastHigh = started.lastIndexOf('high');
      const lowsBefore = started.slice(0, lastHigh).filter((level) => level === 'low').length;
      t.diagnostic(`low messages started before the last high: ${lowsBefore}`);
      assert.equal(started.filter((level) => level === 'high').length, 1_000, 'every high handled');
      // A low read in the same round as the last highs is in flight with them: at most one consumer's worth.
      assert.ok(lowsBefore <= concurrency + prefetch, `${lowsBefore} low messages started before the last high`);
    } finally {
      await bag.closeAll();
    }
  });

  it('weighted 6/3/1: while every level is backlogged, each gets its share within 10 %', async (t) => {
    const bag = new Bag();
    try {
      const stream = uniqueName('prio-weighted');
      const producer = bag.add(new Producer<{ level: string; n: number }>({ stream, redis: redis.url, priorities: LEVELS }));
      for (const level of LEVELS) await backlog(producer, level, 3_000);
      const started: string[] = [];
      const consumer = bag.add(new Consumer<{ level: string; n: number }>({
        ...fast(redis.url), stream, group: 'g', priorities: LEVELS, priorityWeights: [6, 3, 1], concurrency: 8,
        handler: (msg) => { started.push(msg.priority); },
      }));
      await consumer.start();
      await waitFor(() => started.length >= 3_000, { deadlineMs: 30_000, description: '3,000 handled' });
      // The first 3,000: no level ran out (high, the fastest, needs 3,000 / 0.6 = 5,000 to run dry).
      const first = started.slice(0, 3_000);
      const shares = LEVELS.map((level) => first.filter((l) => l === level).length / first.length);
      t.diagnostic(`shares of the first 3,000: ${shares.map((share, i) => `${LEVELS[i]} ${(100 * share).toFixed(1)} %`).join(', ')}`);
      for (const [i, want] of [0.6, 0.3, 0.1].entries()) {
        assert.ok(Math.abs((shares[i] as number) - want) <= 0.1 * want, `${LEVELS[i]}: ${(100 * (shares[i] as number)).toFixed(1)} % of the first 3,000, weight share ${100 * want} %`);
      }
    } finally {
      await bag.closeAll();
    }
  });

  it('retries, reclaims and dead letters work on every level; a replayed dead letter returns to its level', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('prio-contract');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url, priorities: LEVELS }));
      const seen: { data: string; priority: string; deliveries: number; stream: string }[] = [];
      const consumer = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', name: 'main', priorities: LEVELS, maxDeliveries: 2,
        handler: (msg: Message<string>) => {
          seen.push({ data: msg.data, priority: msg.priority, deliveries: msg.deliveries, stream: msg.stream });
          if (msg.data === 'flaky' && msg.deliveries === 1) throw new Error('once');
          if (msg.data === 'poison') throw new Error('always');
        },
      }));
      // An entry of the low level held by a consumer that died: reclaimed after the visibility timeout.
      const lowStream = `{${stream}}:priority:low`;
      await consumer.start();
      await cmd(raw, 'XADD', lowStream, '*', 'd', JSON.stringify('orphan'));
      await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'dead-one', 'COUNT', '10', 'STREAMS', lowStream, '>');
      await producer.send('flaky', { priority: 'high' });
      await producer.send('poison', { priority: 'high' });
      await cmd(raw, 'XADD', stream, '*', 'message', 'from redis-cli'); // a foreign entry: the default level
      await waitFor(async () => consumer.metrics.counters.deadLettered === 1 && seen.some((s) => s.data === 'orphan')
        && (await pendingCount(raw, lowStream, 'g')) === 0 && (await pendingCount(raw, `{${stream}}:priority:high`, 'g')) === 0,
      { deadlineMs: 10_000, description: 'retry, reclaim and dead letter' });
      const flaky = seen.filter((s) => s.data === 'flaky');
      assert.deepEqual(flaky.map((s) => [s.priority, s.deliveries]), [['high', 1], ['high', 2]], 'retried on its level, same entry');
      assert.equal(seen.find((s) => s.data === 'orphan')?.priority, 'low');
      assert.equal(seen.find((s) => s.priority === 'default')?.stream, stream, 'foreign entries arrive at the default level');
      assert.ok(consumer.metrics.counters.reclaimed >= 1);

      const admin = bag.add(new Admin({ redis: redis.url }));
      const [dead] = await admin.deadLetters(stream);
      assert.equal(dead?.priority, 'high');
      const stats = await admin.stats(stream);
      assert.deepEqual(stats.priorities?.map((p) => p.level), LEVELS);
      assert.equal(stats.deadLetters, 1);
      assert.deepEqual(await admin.listStreams().then((names) => names.filter((n) => n.includes(stream))), [stream], 'levels are listed under their stream');
      const before = seen.length;
      assert.equal(await admin.replayDeadLetters(stream, { all: true }), 1);
      await waitFor(() => seen.length > before, { deadlineMs: 5000, description: 'the replayed poison' });
      assert.equal(seen[before]?.priority, 'high', 'replayed to its level');
    } finally {
      await bag.closeAll();
    }
  });

  it('a delayed message keeps its level and can be cancelled', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('prio-delayed');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url, priorities: LEVELS }));
      const seen: { data: string; priority: string; at: number }[] = [];
      const consumer = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', priorities: LEVELS, handler: (msg) => { seen.push({ data: msg.data, priority: msg.priority, at: Date.now() }); },
      }));
      await consumer.start();
      const sentAt = Date.now();
      await producer.send('later', { priority: 'low', delayMs: 300 });
      const cancelled = await producer.send('never', { priority: 'high', delayMs: 300 });
      assert.equal(await producer.cancel(cancelled), true);
      await waitFor(() => seen.length === 1, { deadlineMs: 5000, description: 'the delayed message' });
      assert.equal(seen[0]?.priority, 'low');
      assert.ok((seen[0]?.at ?? 0) - sentAt >= 300, 'not before its due time');
      await assert.rejects(producer.send('x', { priority: 'urgent' }), /Unknown priority "urgent": expected one of 'high', 'default', 'low'/);
      // A stream whose messages all went to other levels (no consumer created its key yet) is listed, its levels are not.
      const only = uniqueName('prio-no-default');
      const highOnly = bag.add(new Producer<string>({ stream: only, redis: redis.url, priorities: LEVELS }));
      await highOnly.send('x', { priority: 'high' });
      assert.equal(await cmd(raw, 'EXISTS', only), 0);
      const admin = bag.add(new Admin({ redis: redis.url }));
      assert.deepEqual((await admin.listStreams()).filter((name) => name.includes(only)), [only]);
      assert.equal((await admin.stats(only)).exists, true);
    } finally {
      await bag.closeAll();
    }
  });
});
