/**
 * The sampler and its history: rates per group from Redis's counters between two samples, lag and
 * pending over time, dead letters counted per group, bounded memory, history kept across requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Producer } from '../../src/index.js';
import { History } from '../../src/dashboard/history.js';
import { Sampler } from '../../src/dashboard/sampler.js';
import { levelStream } from '../../src/priorities.js';
import { dropStream } from '../cli/helpers.js';
import { rawClient, type RawClient } from '../integration/helpers.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';

let redis: UsedRedis;
let raw: RawClient;
let admin: Admin;
const stream = uniqueName('sampled');

before(async () => {
  redis = await useRedis();
  raw = await rawClient(redis.url);
  admin = new Admin({ redis: redis.url });
});

after(async () => {
  await dropStream(redis.url, stream).catch(() => undefined);
  await admin?.close();
  await raw?.close();
  await redis?.close();
});

const add = async (n: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(String(await raw.sendCommand(['XADD', stream, '*', 'd', String(i)])));
  return ids;
};

describe('History (bounded rings)', () => {
  it('keeps the last `capacity` ticks, oldest first, null for missing values, and at most maxStreams streams', () => {
    const history = new History(3, 1);
    const sample = (v: number) => ({ in: v, groups: new Map([['g', { delivered: v, acked: null, deadLettered: 0, lag: v, pending: 1 }]]) });
    for (let t = 1; t <= 4; t++) history.record(t * 1000, new Map([['a', sample(t)], ['b', sample(t)]]));
    const a = history.get('a');
    assert.deepEqual(a?.times, [2000, 3000, 4000]);
    assert.deepEqual(a?.in, [2, 3, 4]);
    assert.deepEqual(a?.groups[0]?.acked, [null, null, null]);
    assert.equal(history.get('b'), null, 'over maxStreams: no history');
    history.record(5000, new Map());
    assert.deepEqual(history.get('a')?.in, [3, 4, null], 'a tick without the stream is a gap');
  });
});

describe('Sampler against Redis', () => {
  it('computes in, delivered, acked and dead-lettered rates per group, lag and pending, from two samples', async () => {
    await raw.sendCommand(['XGROUP', 'CREATE', stream, 'g', '0', 'MKSTREAM']);
    await raw.sendCommand(['XGROUP', 'CREATE', stream, 'other', '$']);
    const sampler = new Sampler({ admin, intervalMs: 60_000, historyMs: 3_600_000, maxHistoryStreams: 100 });
    await sampler.tick();
    const ids = await add(10);
    await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '8', 'STREAMS', stream, '>']);
    await raw.sendCommand(['XACK', stream, 'g', ...ids.slice(0, 5)]);
    await admin.deadLetterEntry(stream, 'g', ids[5] as string, { reason: 'bad' });
    // A rate needs time between the samples: 500 ms keeps the timing noise of one tick (a few ms) under 5 %.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sampler.tick();
    const history = sampler.history(stream);
    assert.ok(history, 'a history');
    assert.equal(history.times.length, 2);
    const seconds = ((history.times[1] as number) - (history.times[0] as number)) / 1000;
    const near = (actual: number | null | undefined, count: number, what: string): void => {
      assert.ok(actual !== null && actual !== undefined && Math.abs(actual * seconds - count) <= count * 0.05 + 0.01, `${what}: ${actual} × ${seconds} s ≠ ${count}`);
    };
    near(history.in[1], 10, 'added');
    const g = history.groups.find((x) => x.name === 'g');
    near(g?.delivered[1], 8, 'delivered');
    near(g?.acked[1], 5, 'acked (8 delivered, 2 still pending, 1 dead-lettered)');
    near(g?.deadLettered[1], 1, 'dead-lettered');
    assert.equal(g?.pending[1], 2);
    assert.equal(g?.lag[1], 2);
    assert.equal(history.groups.find((x) => x.name === 'other')?.lag[1], 10);
    const row = sampler.state.rows.find((r) => r.stream === stream);
    assert.equal(row?.pending, 2);
    assert.equal(row?.worstLag, 10);
    assert.equal(row?.deadLetters, 1);
    assert.ok((row?.oldestPendingMs ?? -1) >= 0, 'the oldest pending entry has an age');
    assert.ok(sampler.state.server?.version, 'server facts with every tick');
    await sampler.stop();
  });

  it('counts every priority level of a stream in its rates, lag and pending (one row, one history)', async () => {
    const levels = uniqueName('sampled-levels');
    const producer = new Producer<number>({ stream: levels, redis: redis.url, priorities: ['high', 'default'] });
    try {
      // At 0 on empty streams, so Redis knows every entries-read and lag.
      for (const level of ['high', 'default']) await raw.sendCommand(['XGROUP', 'CREATE', levelStream(levels, level), 'g', '0', 'MKSTREAM']);
      await producer.send(0, { priority: 'high' });
      await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', levelStream(levels, 'high'), '>']);
      const sampler = new Sampler({ admin, intervalMs: 60_000, historyMs: 3_600_000, maxHistoryStreams: 100 });
      await sampler.tick();
      await producer.sendMany([1, 2, 3, 4], { priority: 'high' });
      await producer.sendMany([5, 6, 7, 8, 9, 10]);
      await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '3', 'STREAMS', levelStream(levels, 'high'), '>']);
      await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'STREAMS', levels, '>']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sampler.tick();
      const history = sampler.history(levels);
      assert.ok(history, 'a history');
      const seconds = ((history.times[1] as number) - (history.times[0] as number)) / 1000;
      const count = (rate: number | null | undefined): number => Math.round((rate ?? Number.NaN) * seconds);
      const g = history.groups.find((x) => x.name === 'g');
      assert.deepEqual([count(history.in[1]), count(g?.delivered[1]), g?.pending[1], g?.lag[1]], [10, 8, 9, 2], 'added 4 + 6, delivered 3 + 5 (9 pending with the first), lag 1 + 1');
      const row = sampler.state.rows.find((r) => r.stream === levels);
      assert.deepEqual([row?.length, row?.groups, row?.pending, row?.worstLag], [11, 1, 9, 2]);
      assert.equal(sampler.state.rows.some((r) => r.stream === levelStream(levels, 'high')), false, 'no row for the level');
      await sampler.stop();
    } finally {
      await producer.close();
      await dropStream(redis.url, levels).catch(() => undefined);
    }
  });
});
