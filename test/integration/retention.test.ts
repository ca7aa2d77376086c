/**
 * Contract 11 — retention: streams do not grow without bound, and a safe trim never deletes an
 * entry some group has not read and acknowledged. Admin.trim (safe by default, plain with
 * `safe: false`), producer `retention: { maxLen }`, consumer `deleteOnAck` with one and two groups.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, xlen, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

async function addAll(stream: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await cmd<string>(raw, 'XADD', stream, '*', 'd', String(i)));
  return ids;
}

async function readAs(stream: string, group: string, consumer: string, count: number): Promise<string[]> {
  const reply = await cmd<[string, [string, string[]][]][] | null>(raw, 'XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'STREAMS', stream, '>');
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

async function ids(stream: string): Promise<string[]> {
  return (await cmd<[string, string[]][]>(raw, 'XRANGE', stream, '-', '+')).map(([id]) => id);
}

describe('Admin.trim', () => {
  it('a safe trim removes only entries every group has read and acknowledged', async () => {
    const bag = new Bag();
    try {
      const admin = bag.add(new Admin({ redis: redis.url }));
      const stream = uniqueName('trim');
      const all = await addAll(stream, 10);
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'a', '0');
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'b', '0');
      // Group a read 6 and acknowledged the first 3 (3, 4, 5 pending); group b read and acknowledged 8.
      await readAs(stream, 'a', 'ca', 6);
      await cmd(raw, 'XACK', stream, 'a', ...all.slice(0, 3));
      await readAs(stream, 'b', 'cb', 8);
      await cmd(raw, 'XACK', stream, 'b', ...all.slice(0, 8));

      assert.equal(await admin.trim(stream, { maxLen: 0 }), 3);
      assert.deepEqual(await ids(stream), all.slice(3), 'entries pending in group a stay');

      // Group a acknowledges everything it read: now b's unread entries (8, 9) bound the trim.
      await cmd(raw, 'XACK', stream, 'a', ...all.slice(3, 6));
      await readAs(stream, 'a', 'ca', 10);
      await cmd(raw, 'XACK', stream, 'a', ...all.slice(6));
      assert.equal(await admin.trim(stream, { maxLen: 0 }), 5);
      assert.deepEqual(await ids(stream), all.slice(8), 'entries group b has not read stay');

      // maxLen keeps the newest entries even when more could go.
      await readAs(stream, 'b', 'cb', 10);
      await cmd(raw, 'XACK', stream, 'b', ...all.slice(8));
      assert.equal(await admin.trim(stream, { maxLen: 1 }), 1);
      assert.deepEqual(await ids(stream), all.slice(9));
    } finally {
      await bag.closeAll();
    }
  });

  it('a group that has read nothing protects everything; minId trims are bounded the same way', async () => {
    const bag = new Bag();
    try {
      const admin = bag.add(new Admin({ redis: redis.url }));
      const stream = uniqueName('trim-unread');
      const all = await addAll(stream, 6);
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'idle', '0');
      assert.equal(await admin.trim(stream, { maxLen: 0 }), 0);
      assert.equal(await admin.trim(stream, { minId: all[5] as string }), 0);
      assert.equal(await xlen(raw, stream), 6);
      // The group reads and acks 2: a minId past them only removes those 2.
      await readAs(stream, 'idle', 'c', 2);
      await cmd(raw, 'XACK', stream, 'idle', ...all.slice(0, 2));
      assert.equal(await admin.trim(stream, { minId: all[4] as string }), 2);
      assert.deepEqual(await ids(stream), all.slice(2));
    } finally {
      await bag.closeAll();
    }
  });

  it('without groups a trim applies as given; safe: false is a plain XTRIM that ignores groups', async () => {
    const bag = new Bag();
    try {
      const admin = bag.add(new Admin({ redis: redis.url }));
      const free = uniqueName('trim-nogroup');
      await addAll(free, 5);
      assert.equal(await admin.trim(free, { maxLen: 2 }), 3);
      assert.equal(await xlen(raw, free), 2);

      const guarded = uniqueName('trim-unsafe');
      await addAll(guarded, 5);
      await cmd(raw, 'XGROUP', 'CREATE', guarded, 'g', '0');
      assert.equal(await admin.trim(guarded, { maxLen: 2 }), 0);
      assert.equal(await admin.trim(guarded, { maxLen: 2, safe: false }), 3);
      assert.equal(await xlen(raw, guarded), 2);
      await assert.rejects(admin.trim(guarded, {}), { name: 'InvalidOptionError' });
      assert.equal(await admin.trim(uniqueName('missing'), { maxLen: 0 }), 0);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('producer retention', () => {
  it('retention: { maxLen } trims acknowledged history after sends, never what a group still needs', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('retention');
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'g', '0', 'MKSTREAM');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url, retention: { maxLen: 50, trimIntervalMs: 0 } }));
      // Collected, asserted at the end: an assertion thrown inside the listener would surface as
      // an unhandled rejection of the background trim, not as this test's failure.
      const producerErrors: Error[] = [];
      producer.on('error', (error: Error) => producerErrors.push(error));
      // Nobody has read anything: a safe trim must keep everything.
      for (let i = 0; i < 300; i++) await producer.send(i);
      assert.equal(await xlen(raw, stream), 300);

      const handled = new Set<number>();
      const consumer = bag.add(new Consumer<number>({ ...fast(redis.url), stream, group: 'g', concurrency: 64, handler: (msg) => { handled.add(msg.data); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(async () => handled.size === 300 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'all consumed' });

      // The next sends trim the acknowledged history (approximately: whole radix-tree nodes of 100 entries).
      await waitFor(async () => {
        await producer.send(-1);
        return (await xlen(raw, stream)) <= 50 + 100;
      }, { deadlineMs: 5000, description: 'the stream to be trimmed' });
      const length = await xlen(raw, stream);
      assert.ok(length >= 50, `${length} entries left: trimmed below maxLen`);
      for (let i = 0; i < 300; i++) assert.ok(handled.has(i), `message ${i} was trimmed before it was handled`);
      assert.deepEqual(producerErrors, []);
    } finally {
      await bag.closeAll();
    }
  });

  it('without groups, retention keeps about maxLen entries', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('retention-free');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url, retention: { maxLen: 100, trimIntervalMs: 0 } }));
      for (let i = 0; i < 1000; i++) await producer.send(i);
      await waitFor(async () => {
        await producer.send(-1);
        return (await xlen(raw, stream)) <= 100 + 100;
      }, { deadlineMs: 5000, description: 'the stream to be trimmed' });
      assert.ok((await xlen(raw, stream)) >= 100);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('deleteOnAck', () => {
  it('with one group, acknowledged entries are deleted', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('delete-on-ack');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      const handled = new Set<number>();
      const consumer = bag.add(new Consumer<number>({ ...fast(redis.url), stream, group: 'only', deleteOnAck: true, handler: (msg) => { handled.add(msg.data); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await producer.sendMany(Array.from({ length: 50 }, (_, i) => i));
      await waitFor(async () => handled.size === 50 && (await xlen(raw, stream)) === 0, { deadlineMs: 5000, description: 'all handled and deleted' });
      assert.equal(await pendingCount(raw, stream, 'only'), 0);
      assert.equal(consumer.metrics.counters.acked, 50);
    } finally {
      await bag.closeAll();
    }
  });

  it('with two groups, only entries both groups acknowledged are deleted', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('delete-two-groups');
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'one', '0', 'MKSTREAM');
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'two', '0');
      const all = await addAll(stream, 10);
      // Group two: read 7, acknowledged the first 5 (5 and 6 pending, 7–9 unread).
      await readAs(stream, 'two', 'slow-two', 7);
      await cmd(raw, 'XACK', stream, 'two', ...all.slice(0, 5));

      const one = bag.add(new Consumer({ ...fast(redis.url), stream, group: 'one', deleteOnAck: true, handler: () => undefined }),
        (c) => c.close({ timeoutMs: 500 }));
      await one.start();
      await waitFor(async () => (await pendingCount(raw, stream, 'one')) === 0 && one.metrics.counters.acked === 10, { deadlineMs: 5000, description: 'group one done' });
      assert.deepEqual(await ids(stream), all.slice(5), 'what group two still needs (pending or unread) stays');

      // Group two finishes (its consumer re-reads its own pending 5, 6, then 7–9), deleting as it acks.
      const seen: string[] = [];
      const two = bag.add(new Consumer({ ...fast(redis.url), stream, group: 'two', name: 'slow-two', deleteOnAck: true, handler: (msg) => { seen.push(msg.id); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await two.start();
      await waitFor(async () => (await xlen(raw, stream)) === 0, { deadlineMs: 5000, description: 'everything deleted' });
      assert.deepEqual(seen.sort(), all.slice(5).sort());
    } finally {
      await bag.closeAll();
    }
  });
});
