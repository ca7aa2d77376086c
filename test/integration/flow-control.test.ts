/**
 * Contract 8 — flow control: a consumer never holds more than `concurrency` (+ prefetch) entries.
 * With concurrency 2 and prefetch 0, while slow handlers block, XPENDING for the consumer stays at
 * 2 (at most one small extra read or sweep page), and never more than 2 handlers run at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, fast, gate, pendingCount, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

describe('flow control', () => {
  it('with concurrency 2 and prefetch 0, the consumer holds at most 2 (+ a small page) while handlers block', async () => {
    const bag = new Bag();
    const gates: (() => void)[] = [];
    bag.defer(() => { for (const open of gates) open(); });
    try {
      const stream = uniqueName('flow');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      await producer.sendMany(Array.from({ length: 30 }, (_, i) => i));
      let running = 0;
      let maxRunning = 0;
      let done = 0;
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name: 'slow', concurrency: 2, prefetch: 0, visibilityTimeoutMs: 1000, reclaimIntervalMs: 20,
        handler: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const g = gate();
          gates.push(g.open);
          await g.promise;
          running--;
          done++;
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();

      let maxHeld = 0;
      const samples: number[] = [];
      const sample = async (): Promise<void> => {
        const [viaAdmin, viaXpending] = await Promise.all([
          admin.pending(stream, 'g', { consumer: 'slow', count: 1000 }).then((rows) => rows.length),
          pendingCount(raw, stream, 'g', 'slow'),
        ]);
        samples.push(viaXpending);
        maxHeld = Math.max(maxHeld, viaAdmin, viaXpending);
      };
      // Release one handler at a time; sample the PEL while the others block.
      while (done < 30) {
        await waitFor(() => gates.length > 0 && running > 0, { deadlineMs: 5000, description: 'a blocked handler' });
        for (let i = 0; i < 3; i++) await sample();
        assert.ok(running <= 2, `${running} handlers running`);
        const before = done;
        (gates.shift() as () => void)();
        await waitFor(() => done > before, { deadlineMs: 5000, description: 'the released handler to finish' });
      }
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'all acks' });
      assert.equal(maxRunning, 2);
      assert.ok(maxHeld <= 3, `the consumer held up to ${maxHeld} entries (samples: ${samples.join(',')})`);
      assert.ok(samples.filter((n) => n === 2).length > samples.length / 2, `mostly exactly 2 held: ${samples.join(',')}`);
      assert.equal(consumer.metrics.counters.acked, 30);
    } finally {
      await bag.closeAll();
    }
  });

  it('two consumers share the work instead of one hoarding it', async () => {
    const bag = new Bag();
    const release = gate();
    bag.defer(() => release.open());
    try {
      const stream = uniqueName('share');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const byConsumer: Record<string, number> = { a: 0, b: 0 };
      const make = (name: string) => bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name, concurrency: 3, prefetch: 0,
        handler: async () => { byConsumer[name] = (byConsumer[name] ?? 0) + 1; await release.promise; },
      }), (c) => c.close({ timeoutMs: 500 }));
      const consumers = [make('a'), make('b')];
      await Promise.all(consumers.map((c) => c.start()));
      await producer.sendMany(Array.from({ length: 20 }, (_, i) => i));
      await waitFor(() => byConsumer.a === 3 && byConsumer.b === 3, { deadlineMs: 5000, description: 'both consumers full' });
      assert.equal(await pendingCount(raw, stream, 'g', 'a'), 3);
      assert.equal(await pendingCount(raw, stream, 'g', 'b'), 3);
      release.open();
      await waitFor(async () => byConsumer.a! + byConsumer.b! === 20 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'all handled' });
    } finally {
      await bag.closeAll();
    }
  });

  it('acks that cannot land stop the reading: at most 2 × the limit handled, the PEL bounded', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('flow-acks');
      const user = uniqueName('noack');
      // A user that may do everything but XACK: every ack fails, reads work.
      await raw.sendCommand(['ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-xack']);
      bag.defer(() => raw.sendCommand(['ACL', 'DELUSER', user]));
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      await producer.sendMany(Array.from({ length: 20 }, (_, i) => i));
      let handled = 0;
      const consumer = new Consumer({
        ...fast(redis.url.replace('redis://', `redis://${user}:pw@`)), stream, group: 'g', name: 'c', concurrency: 2, prefetch: 0,
        visibilityTimeoutMs: 60_000, handler: () => { handled++; },
      });
      consumer.on('error', () => undefined);
      bag.add(consumer, (c) => c.close({ timeoutMs: 200 }));
      await consumer.start();
      await waitFor(() => handled >= 2, { deadlineMs: 5000, description: 'the first handlers' });
      // Reads that could go on would take the other 18 within milliseconds (BLOCK is 100 ms here).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Up to `limit` unconfirmed acks are free (reads overlap ack round trips); beyond, each takes a slot.
      assert.ok(handled <= 4, `${handled} handled while none of their acks could land (limit 2: at most 2 + 2)`);
      assert.ok(await pendingCount(raw, stream, 'g', 'c') <= 4 + 1, 'the consumer holds no more than twice its limit in the PEL');
    } finally {
      await bag.closeAll();
    }
  });
});
