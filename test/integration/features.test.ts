/**
 * Features: delayed sends (not before due, soon after; counted by Admin.stats().delayed while
 * waiting; cancellable), deduplicated sends (`dedupKey`), batch handlers with per-message
 * settlement, and the `for await` iterator style with ack / nak / term.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, DELAYED_ID_PREFIX, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, xlen, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

describe('delayed messages', () => {
  it('arrive no earlier than the delay and soon after it', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('delayed');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      const arrivals = new Map<string, number>();
      const consumer = bag.add(new Consumer<string>({ ...fast(redis.url), stream, group: 'g', handler: (msg) => { arrivals.set(msg.data, Date.now()); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await producer.connect();
      const sentAt = Date.now();
      const id = await producer.send('later', { delayMs: 300 });
      const sentBy = Date.now();
      assert.ok(id.startsWith(DELAYED_ID_PREFIX), id);
      await producer.send('now');
      await waitFor(() => arrivals.has('later'), { deadlineMs: 5000, description: 'the delayed message' });
      const arrived = arrivals.get('later') as number;
      assert.ok(arrived - sentAt >= 300, `arrived ${arrived - sentAt} ms after send, before its 300 ms delay`);
      assert.ok(arrived - (sentBy + 300) < 250, `arrived ${arrived - (sentBy + 300)} ms after it was due`);
      assert.ok((arrivals.get('now') as number) < arrived, 'the undelayed message came first');
    } finally {
      await bag.closeAll();
    }
  });

  it('are counted by Admin.stats().delayed while waiting, and producer.cancel(id) cancels one', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('delayed-cancel');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      const seen: string[] = [];
      const consumer = bag.add(new Consumer<string>({ ...fast(redis.url), stream, group: 'g', handler: (msg) => { seen.push(msg.data); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const keep = await producer.send('keep', { delayMs: 1200 });
      const cancel = await producer.send('cancel', { delayMs: 1200 });
      const at = await producer.send('at', { at: new Date(Date.now() + 1200) });
      assert.equal(new Set([keep, cancel, at]).size, 3);
      assert.equal((await admin.stats(stream)).delayed, 3);
      assert.equal(await producer.cancel(cancel), true);
      assert.equal(await producer.cancel(cancel), false, 'already cancelled');
      assert.equal((await admin.stats(stream)).delayed, 2);
      assert.deepEqual(seen, [], 'nothing delivered before due');
      await waitFor(async () => seen.length === 2 && (await admin.stats(stream)).delayed === 0, { deadlineMs: 5000, description: 'the remaining delayed messages' });
      assert.deepEqual(seen.sort(), ['at', 'keep']);
      assert.equal(await xlen(raw, stream), 2, 'the cancelled message never reached the stream');
      assert.equal(await producer.cancel(keep), false, 'already delivered');
      await assert.rejects(producer.cancel('1-0'), { name: 'InvalidOptionError' });
    } finally {
      await bag.closeAll();
    }
  });
});

describe('deduplicated sends', () => {
  it('a second send with the same dedupKey returns the first ID and adds nothing', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('dedup');
      const producer = bag.add(new Producer<{ order: number }>({ stream, redis: redis.url }));
      const first = await producer.send({ order: 1 }, { dedupKey: 'order-1' });
      const second = await producer.send({ order: 1 }, { dedupKey: 'order-1' });
      assert.equal(second, first);
      assert.equal(await xlen(raw, stream), 1);
      const other = await producer.send({ order: 2 }, { dedupKey: 'order-2' });
      assert.notEqual(other, first);
      assert.equal(await xlen(raw, stream), 2);
      // Racing senders with one key add one entry.
      const racing = await Promise.all(Array.from({ length: 10 }, () => producer.send({ order: 3 }, { dedupKey: 'order-3' })));
      assert.equal(new Set(racing).size, 1);
      assert.equal(await xlen(raw, stream), 3);
    } finally {
      await bag.closeAll();
    }
  });

  it('the dedup window expires', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('dedup-ttl');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const first = await producer.send('x', { dedupKey: 'k', dedupTtlMs: 200 });
      const again = await waitFor(async () => {
        const id = await producer.send('x', { dedupKey: 'k', dedupTtlMs: 200 });
        return id !== first ? id : undefined;
      }, { deadlineMs: 3000, description: 'the window to expire' });
      assert.notEqual(again, first);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('batch handler', () => {
  it('msg.nak() inside a batch retries only that message; the rest are acknowledged', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('batch');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      const batches: number[][] = [];
      const seen = new Map<number, number[]>();
      const consumer = bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', batchSize: 10, batchWaitMs: 50,
        batchHandler: (messages) => {
          batches.push(messages.map((m) => m.data));
          for (const msg of messages) {
            seen.set(msg.data, [...(seen.get(msg.data) ?? []), msg.deliveries]);
            if (msg.data === 3 && msg.deliveries === 1) msg.nak();
          }
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      await producer.sendMany(Array.from({ length: 10 }, (_, i) => i));
      await consumer.start();
      await waitFor(async () => (seen.get(3)?.length ?? 0) === 2 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the retry of 3' });
      assert.deepEqual(batches[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'one batch of 10');
      assert.deepEqual(seen.get(3), [1, 2]);
      for (let i = 0; i < 10; i++) if (i !== 3) assert.deepEqual(seen.get(i), [1], `message ${i}`);
      assert.equal(consumer.metrics.counters.retried, 1);
      assert.equal(consumer.metrics.counters.acked, 10);
    } finally {
      await bag.closeAll();
    }
  });

  it('a batch handler that throws retries the messages it did not settle itself', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('batch-throw');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      const deliveries = new Map<number, number>();
      let calls = 0;
      const consumer = bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', batchSize: 4, batchWaitMs: 50,
        batchHandler: (messages) => {
          calls++;
          for (const msg of messages) deliveries.set(msg.data, msg.deliveries);
          if (calls === 1) {
            messages.find((m) => m.data === 0)?.ack();
            throw new Error('bulk insert failed');
          }
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      await producer.sendMany([0, 1, 2, 3]);
      await consumer.start();
      await waitFor(async () => calls >= 2 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the retried batch' });
      assert.equal(deliveries.get(0), 1, 'acknowledged inside the failed batch: not retried');
      for (const n of [1, 2, 3]) assert.equal(deliveries.get(n), 2, `message ${n}`);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('iterator style', () => {
  it('for await delivers messages to settle with ack / nak / term, and the loop ends on close', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('iterate');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      const consumer = new Consumer<string>({ ...fast(redis.url), stream, group: 'g' });
      bag.add(consumer, (c) => c.close({ timeoutMs: 500 }));
      const log: [string, number][] = [];
      const loop = (async () => {
        for await (const msg of consumer as AsyncIterable<Message<string>>) {
          log.push([msg.data, msg.deliveries]);
          if (msg.data === 'nak-me' && msg.deliveries === 1) msg.nak(0);
          else if (msg.data === 'term-me') msg.term('not wanted');
          else msg.ack();
        }
        return 'ended';
      })();
      await producer.sendMany(['ack-me', 'nak-me', 'term-me']);
      await waitFor(async () => log.length === 4 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'all settled' });
      assert.deepEqual(log.filter(([data]) => data !== 'nak-me'), [['ack-me', 1], ['term-me', 1]]);
      assert.deepEqual(log.filter(([data]) => data === 'nak-me'), [['nak-me', 1], ['nak-me', 2]]);
      const dead = await admin.deadLetters(stream);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.reason, 'not wanted');
      assert.equal(consumer.metrics.counters.acked, 2);

      await consumer.close({ timeoutMs: 1000 });
      assert.equal(await loop, 'ended');
    } finally {
      await bag.closeAll();
    }
  });

  it('messages the loop never took stay pending for others after close', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('iterate-close');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      await producer.sendMany([1, 2, 3, 4]);
      const consumer = new Consumer<number>({ ...fast(redis.url), stream, group: 'g', name: 'it', concurrency: 4 });
      bag.add(consumer, (c) => c.close({ timeoutMs: 500 }));
      const iterator = consumer[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      (first.value as Message<number>).ack();
      await waitFor(async () => (await pendingCount(raw, stream, 'g', 'it')) === 3, { deadlineMs: 5000, description: 'the first ack' });
      await consumer.close({ timeoutMs: 500 });
      assert.equal((await iterator.next()).done, true);
      assert.equal(await pendingCount(raw, stream, 'g'), 3, 'the others stay pending');
      const rest: number[] = [];
      const other = bag.add(new Consumer<number>({ ...fast(redis.url), stream, group: 'g', handler: (msg) => { rest.push(msg.data); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await other.start();
      await waitFor(async () => rest.length === 3 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'taken over' });
      assert.deepEqual(rest.sort(), [2, 3, 4]);
      assert.equal(await cmd(raw, 'XLEN', stream), 4);
    } finally {
      await bag.closeAll();
    }
  });
});
