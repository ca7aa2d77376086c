/**
 * Contract 5 — long handlers: while a handler runs, its entry's idle time is reset automatically,
 * so a handler running 3× the visibility timeout is not robbed by another consumer (handled exactly
 * once); `msg.working()` resets it by hand without bumping the delivery counter.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, fast, gate, pendingCount, pendingRows, type PendingRow, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

const VISIBILITY_MS = 600;

describe('leases', () => {
  it('a handler running 3× the visibility timeout is not robbed by a second consumer (handled exactly once)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('lease');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const calls: string[] = [];
      const warnings: string[] = [];
      const make = (name: string) => {
        const consumer = new Consumer({
          ...fast(redis.url), stream, group: 'g', name, visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 50,
          handler: async () => {
            calls.push(name);
            await delay(3 * VISIBILITY_MS); // the slow work itself
          },
        });
        consumer.on('warning', (message: string) => warnings.push(message));
        return bag.add(consumer, (c) => c.close({ timeoutMs: 3000 }));
      };
      const first = make('first');
      const second = make('second');
      await Promise.all([first.start(), second.start()]);
      const id = await producer.send({ slow: true });
      await waitFor(() => calls.length === 1, { deadlineMs: 5000, description: 'the handler to start' });
      const holder = calls[0] === 'first' ? first : second;
      const other = holder === first ? second : first;
      // While it runs, the entry stays with the holder and never gets idle for the visibility
      // timeout. The probe only records what it sees; the assertions come after the wait.
      const seen: PendingRow[] = [];
      await waitFor(async () => {
        const rows = await pendingRows(raw, stream, 'g');
        seen.push(...rows);
        // Redis may apply the XACK a moment before the consumer reads its reply (and counts it).
        return rows.length === 0 && holder.metrics.counters.acked === 1;
      }, { deadlineMs: 10_000, intervalMs: 25, description: 'the slow handler to finish and ack' });
      assert.ok(seen.length >= 10, `the PEL was sampled ${seen.length} times while the handler ran`);
      assert.deepEqual([...new Set(seen.map((row) => row.id))], [id]);
      assert.deepEqual([...new Set(seen.map((row) => row.consumer))], [calls[0]], 'the entry moved to another consumer');
      assert.deepEqual([...new Set(seen.map((row) => row.deliveries))], [1], 'lease renewal must not bump the delivery counter');
      const maxIdle = Math.max(...seen.map((row) => row.idleMs));
      assert.ok(maxIdle < VISIBILITY_MS, `idle reached ${maxIdle} ms`);
      assert.deepEqual(calls, [calls[0]], 'handled exactly once');
      assert.ok(holder.metrics.counters.leasesRenewed >= 2, `renewed ${holder.metrics.counters.leasesRenewed} times`);
      assert.equal(holder.metrics.counters.leasesLost, 0);
      assert.equal(other.metrics.counters.reclaimed, 0);
      assert.equal(holder.metrics.counters.acked, 1);
      assert.deepEqual(warnings, []);
    } finally {
      await bag.closeAll();
    }
  });

  it('msg.working() resets the idle time at once, without bumping the delivery counter', async () => {
    const bag = new Bag();
    const release = gate();
    bag.defer(() => release.open());
    try {
      const stream = uniqueName('working');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      let message: Message | undefined;
      // A long visibility timeout: automatic renewal (every 20 s) stays out of the way.
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name: 'w', visibilityTimeoutMs: 60_000,
        handler: async (msg) => { message = msg; await release.promise; },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const id = await producer.send('job');
      await waitFor(() => message !== undefined, { deadlineMs: 5000, description: 'the handler' });
      const idle = await waitFor(async () => {
        const [row] = await pendingRows(raw, stream, 'g');
        return row !== undefined && row.idleMs >= 300 ? row.idleMs : undefined;
      }, { deadlineMs: 5000, description: 'the entry to be idle for 300 ms' });
      assert.ok(idle >= 300);
      const renewedBefore = consumer.metrics.counters.leasesRenewed;
      await (message as Message).working();
      const [row] = await pendingRows(raw, stream, 'g');
      assert.equal(row?.id, id);
      assert.equal(row?.consumer, 'w');
      assert.ok((row?.idleMs ?? Infinity) < 200, `idle after working(): ${row?.idleMs}`);
      assert.equal(row?.deliveries, 1);
      assert.equal(consumer.metrics.counters.leasesRenewed, renewedBefore + 1);
      release.open();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the ack' });
      // After settlement, working() is a no-op.
      await (message as Message).working();
    } finally {
      await bag.closeAll();
    }
  });
});
