/**
 * Contract 9 — graceful close: stop reading, let in-flight handlers finish (within `timeoutMs`),
 * flush their acks, close connections. A handler that outlives the timeout leaves its entry
 * pending, and another consumer gets it — nothing is lost.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ClosedError, Consumer, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, gate, pendingCount, pendingRows, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

async function clientCount(): Promise<number> {
  const list = await cmd<string>(raw, 'CLIENT', 'LIST');
  return list.trim().split('\n').length;
}

describe('close', () => {
  it('lets in-flight handlers finish and acknowledges them before resolving', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('close-drain');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const started: string[] = [];
      const finished: string[] = [];
      await producer.connect();
      const clientsBefore = await clientCount();
      const consumer = new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', concurrency: 3,
        handler: async (msg) => {
          started.push(msg.data);
          await delay(300); // work in progress when close() is called
          finished.push(msg.data);
        },
      });
      bag.add(consumer, (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await producer.sendMany(['a', 'b', 'c']);
      await waitFor(() => started.length === 3, { deadlineMs: 5000, description: 'three handlers running' });
      assert.equal(finished.length, 0);
      await consumer.close({ timeoutMs: 5000 });
      assert.deepEqual(finished.sort(), ['a', 'b', 'c']);
      assert.equal(await pendingCount(raw, stream, 'g'), 0, 'acks were flushed before close resolved');
      assert.equal(consumer.metrics.counters.acked, 3);
      await waitFor(async () => (await clientCount()) <= clientsBefore, { deadlineMs: 3000, description: 'connections closed' });
      await assert.rejects(consumer.start(), ClosedError);
    } finally {
      await bag.closeAll();
    }
  });

  it('a handler outliving the timeout leaves its entry pending, and another consumer then gets it', async () => {
    const bag = new Bag();
    const stuck = gate();
    bag.defer(() => stuck.open());
    try {
      const stream = uniqueName('close-timeout');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      const started: Message<string>[] = [];
      const finished: string[] = [];
      const first = new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', name: 'first', concurrency: 2, visibilityTimeoutMs: 1000,
        handler: async (msg) => {
          started.push(msg);
          if (msg.data === 'stuck') await stuck.promise;
          else await delay(100);
          finished.push(msg.data);
        },
      });
      bag.add(first, (c) => c.close({ timeoutMs: 100 }));
      await first.start();
      const quickId = await producer.send('quick');
      const stuckId = await producer.send('stuck');
      await waitFor(() => started.length === 2, { deadlineMs: 5000, description: 'both handlers running' });

      const t0 = Date.now();
      await first.close({ timeoutMs: 600 });
      const took = Date.now() - t0;
      assert.ok(took >= 550 && took < 3000, `close took ${took} ms`);
      assert.deepEqual(finished, ['quick']);
      const pending = await pendingRows(raw, stream, 'g');
      assert.deepEqual(pending.map((p) => [p.id, p.consumer]), [[stuckId, 'first']], 'only the unfinished entry stays pending');
      assert.notEqual(quickId, stuckId);

      // Another consumer (same visibility timeout) takes it over: close handed it back as idle.
      const taken: { id: string; at: number }[] = [];
      const t1 = Date.now();
      const second = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', name: 'second', visibilityTimeoutMs: 1000,
        handler: (msg) => { taken.push({ id: msg.id, at: Date.now() }); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await second.start();
      await waitFor(async () => taken.length === 1 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the takeover' });
      assert.equal(taken[0]?.id, stuckId);
      assert.ok((taken[0]?.at ?? Infinity) - t1 < 900, 'taken over without waiting a full visibility timeout');

      // The stuck handler finishing late, after close, acknowledges nothing and throws nothing.
      stuck.open();
      await waitFor(() => finished.length === 2, { deadlineMs: 2000, description: 'the late finish' });
      assert.equal(first.metrics.counters.acked, 1);
    } finally {
      await bag.closeAll();
    }
  });

  it('closing an idle consumer is quick, closing twice is fine, and close before start is fine', async () => {
    const stream = uniqueName('close-idle');
    const consumer = new Consumer({ ...fast(redis.url), stream, group: 'g', blockMs: 5000, handler: () => undefined });
    await consumer.start();
    const t0 = Date.now();
    await Promise.all([consumer.close(), consumer.close()]);
    assert.ok(Date.now() - t0 < 2000, `close took ${Date.now() - t0} ms while a 5 s BLOCK was pending`);
    const never = new Consumer({ ...fast(redis.url), stream, group: 'g', handler: () => undefined });
    await never.close();
  });
});
