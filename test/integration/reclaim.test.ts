/**
 * Contract 4 — the reclaim sweep: entries a dead consumer left pending are taken over once they
 * have been idle for the visibility timeout (not before); entries deleted (XDEL / trimmed) while
 * pending are acknowledged and counted (metrics.deletedWhilePending), never retried forever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, pendingRows, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

/** Creates `stream` with group `g`, adds `count` messages and has consumer `dead` read them (and never ack). */
async function leftByDeadConsumer(stream: string, count: number): Promise<string[]> {
  await cmd(raw, 'XGROUP', 'CREATE', stream, 'g', '$', 'MKSTREAM');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await cmd<string>(raw, 'XADD', stream, '*', 'd', JSON.stringify(i)));
  await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', String(count), 'STREAMS', stream, '>');
  return ids;
}

const VISIBILITY_MS = 600;

/** XAUTOCLAIM calls the server has answered so far (INFO commandstats). */
async function xautoclaimCalls(): Promise<number> {
  const info = await cmd<string>(raw, 'INFO', 'commandstats');
  return Number(/cmdstat_xautoclaim:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('reclaim', () => {
  it('takes over the entries of a dead consumer after the visibility timeout, with the delivery counter bumped', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('reclaim');
      const ids = await leftByDeadConsumer(stream, 5);
      const readAt = Date.now();
      const handled = new Map<string, { at: number; deliveries: number; data: unknown }>();
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name: 'alive', visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 50,
        handler: (msg) => { handled.set(msg.id, { at: Date.now(), deliveries: msg.deliveries, data: msg.data }); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(() => handled.size === 5, { deadlineMs: 5000, description: 'the 5 abandoned entries' });
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'acks' });
      assert.deepEqual([...handled.keys()].sort(), [...ids].sort());
      for (const [id, h] of handled) {
        assert.ok(h.at - readAt >= VISIBILITY_MS - 20, `${id} taken over after ${h.at - readAt} ms, before the visibility timeout`);
        assert.equal(h.deliveries, 2, 'XAUTOCLAIM counted a second delivery');
      }
      assert.deepEqual([...handled.values()].map((h) => h.data).sort(), [0, 1, 2, 3, 4]);
      assert.equal(consumer.metrics.counters.reclaimed, 5);
    } finally {
      await bag.closeAll();
    }
  });

  it('follows the XAUTOCLAIM cursor past one page (more abandoned entries than one sweep claims)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('reclaim-many');
      const ids = await leftByDeadConsumer(stream, 250);
      const handled = new Set<string>();
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: VISIBILITY_MS, concurrency: 300,
        handler: (msg) => { handled.add(msg.id); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(async () => handled.size === 250 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 8000, description: '250 entries' });
      assert.deepEqual([...handled].sort(), [...ids].sort());
    } finally {
      await bag.closeAll();
    }
  });

  it('acknowledges and counts entries deleted while pending (from a dead consumer), and handles the rest', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('deleted-pending');
      const ids = await leftByDeadConsumer(stream, 4);
      await cmd(raw, 'XDEL', stream, ids[0] as string, ids[2] as string);
      const handled: string[] = [];
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 50,
        handler: (msg) => { handled.push(msg.id); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      // Pending 0 means the deleted IDs left the PEL (acknowledged): no sweep can find them again.
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0 && consumer.metrics.counters.deletedWhilePending === 2,
        { deadlineMs: 5000, description: 'the deleted entries to be acknowledged' });
      assert.deepEqual(handled.sort(), [ids[1], ids[3]].sort());
      assert.equal(consumer.metrics.counters.deletedWhilePending, 2);
      assert.equal(consumer.metrics.counters.failed, 0);
      assert.equal(consumer.metrics.counters.deadLettered, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('acknowledges and counts own pending entries found deleted when re-reading them at start-up', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('deleted-own');
      const ids = await leftByDeadConsumer(stream, 3);
      await cmd(raw, 'XDEL', stream, ids[1] as string);
      const handled: string[] = [];
      // Same name as the dead consumer: its entries are re-read with ID 0 and the deleted one comes back with nil fields.
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name: 'dead', visibilityTimeoutMs: 60_000,
        handler: (msg) => { handled.push(msg.id); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the PEL to empty' });
      assert.deepEqual(handled.sort(), [ids[0], ids[2]].sort());
      assert.equal(consumer.metrics.counters.deletedWhilePending, 1);
    } finally {
      await bag.closeAll();
    }
  });

  it('leaves entries alone before the visibility timeout', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('not-yet');
      await leftByDeadConsumer(stream, 2);
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name: 'alive', visibilityTimeoutMs: 60_000, reclaimIntervalMs: 20,
        handler: () => undefined,
      }), (c) => c.close({ timeoutMs: 500 }));
      const sweepsBefore = await xautoclaimCalls();
      await consumer.start();
      await consumer.onIdle();
      // Let several sweeps run (every 20 ms).
      await waitFor(async () => (await xautoclaimCalls()) >= sweepsBefore + 5, { deadlineMs: 3000, description: 'five sweeps' });
      assert.equal(consumer.metrics.counters.delivered, 0);
      const pending = await pendingRows(raw, stream, 'g');
      assert.deepEqual(pending.map((p) => p.consumer), ['dead', 'dead']);
      assert.equal(consumer.metrics.counters.reclaimed, 0);
    } finally {
      await bag.closeAll();
    }
  });
});
