/**
 * Contracts 6 and 7 — retries with backoff keep the message ID and bump `deliveries`, no earlier
 * than the backoff delay (also for delays longer than the visibility timeout); after
 * `maxDeliveries` the message goes to the dead letters with reason, fields, group and deliveries;
 * an UnrecoverableError dead-letters at once; an undecodable entry is dead-lettered with the decode
 * reason; Admin lists, replays and purges dead letters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer, UnrecoverableError, fixedBackoff } from '../../src/index.js';
import { streamKeys } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, pendingRows, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

interface Attempt { id: string; deliveries: number; at: number }

describe('retries', () => {
  it('retries a failing message with the same ID and a growing delivery counter, after the backoff delay', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('retry');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const attempts: Attempt[] = [];
      const BACKOFF_MS = 250;
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: 1000, backoff: fixedBackoff(BACKOFF_MS), maxDeliveries: 5,
        handler: (msg) => {
          attempts.push({ id: msg.id, deliveries: msg.deliveries, at: Date.now() });
          if (attempts.length < 3) throw new Error(`transient failure ${attempts.length}`);
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const id = await producer.send({ job: 1 });
      await waitFor(async () => attempts.length === 3 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'success on the third attempt' });
      assert.deepEqual(attempts.map((a) => a.id), [id, id, id]);
      assert.deepEqual(attempts.map((a) => a.deliveries), [1, 2, 3]);
      for (let i = 1; i < attempts.length; i++) {
        const gap = (attempts[i] as Attempt).at - (attempts[i - 1] as Attempt).at;
        assert.ok(gap >= BACKOFF_MS - 15, `retry ${i} came ${gap} ms after the failure, before the ${BACKOFF_MS} ms backoff`);
      }
      assert.equal(consumer.metrics.counters.retried, 2);
      assert.equal(consumer.metrics.counters.failed, 2);
      assert.equal(consumer.metrics.counters.acked, 1);
      assert.equal(consumer.metrics.counters.deadLettered, 0);
      assert.equal(await cmd(raw, 'XLEN', stream), 1, 'a retry adds no entry');
    } finally {
      await bag.closeAll();
    }
  });

  it('a backoff longer than the visibility timeout is respected, and no other consumer takes the message meanwhile', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('retry-long');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const attempts: (Attempt & { by: string })[] = [];
      const BACKOFF_MS = 1200;
      const make = (name: string) => bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', name, visibilityTimeoutMs: 400, reclaimIntervalMs: 50, backoff: fixedBackoff(BACKOFF_MS),
        handler: (msg) => {
          attempts.push({ id: msg.id, deliveries: msg.deliveries, at: Date.now(), by: name });
          if (attempts.length === 1) throw new Error('later, please');
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      const consumers = [make('a'), make('b')];
      await Promise.all(consumers.map((c) => c.start()));
      const id = await producer.send('x');
      await waitFor(async () => attempts.length === 2 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 6000, description: 'the retry' });
      const [first, second] = attempts as unknown as [Attempt, Attempt];
      assert.equal(second.id, id);
      assert.equal(second.deliveries, 2);
      assert.ok(second.at - first.at >= BACKOFF_MS - 15, `retried after ${second.at - first.at} ms`);
      assert.ok(second.at - first.at < BACKOFF_MS + 1500, `retried only after ${second.at - first.at} ms`);
      assert.equal(attempts.length, 2);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('dead letters', () => {
  it('after maxDeliveries failures: dead letter with reason, fields, group, deliveries; acknowledged', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('dlq');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      let calls = 0;
      const events: { id: string; reason: string }[] = [];
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'billing', name: 'c1', maxDeliveries: 3,
        handler: () => { calls++; throw new Error(`card declined (attempt ${calls})`); },
      }), (c) => c.close({ timeoutMs: 500 }));
      consumer.on('deadLetter', (event: { id: string; reason: string }) => events.push(event));
      await consumer.start();
      const id = await producer.send({ order: 42 }, { headers: { tenant: 't1' } });
      await waitFor(() => events.length === 1, { deadlineMs: 5000, description: 'the dead letter' });
      await waitFor(async () => (await pendingCount(raw, stream, 'billing')) === 0, { deadlineMs: 5000, description: 'the ack' });
      assert.equal(calls, 3);
      const [dead] = await admin.deadLetters(stream);
      assert.ok(dead);
      assert.equal(dead.originalId, id);
      assert.equal(dead.group, 'billing');
      assert.equal(dead.consumer, 'c1');
      assert.equal(dead.deliveries, 3);
      assert.match(dead.reason ?? '', /failed 3 of maxDeliveries 3/);
      assert.match(dead.reason ?? '', /card declined \(attempt 3\)/);
      assert.deepEqual(dead.fields, { d: '{"order":42}', h: '{"tenant":"t1"}' });
      assert.ok(dead.failedAt instanceof Date && Math.abs(dead.failedAt.getTime() - Date.now()) < 60_000);
      assert.deepEqual(events, [{ id, reason: dead.reason }]);
      assert.equal(consumer.metrics.counters.deadLettered, 1);
      assert.equal((await admin.stats(stream)).deadLetters, 1);
      // The dead-letter stream sits in the stream's slot, under streamq's name for it.
      assert.equal(await cmd(raw, 'XLEN', streamKeys(stream).dead), 1);
    } finally {
      await bag.closeAll();
    }
  });

  it('an UnrecoverableError dead-letters at once', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('unrecoverable');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      let calls = 0;
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', maxDeliveries: 10,
        handler: () => { calls++; throw new UnrecoverableError('malformed order'); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const id = await producer.send({ bad: true });
      const [dead] = await waitFor(async () => {
        const list = await admin.deadLetters(stream);
        return list.length > 0 ? list : undefined;
      }, { deadlineMs: 5000, description: 'the dead letter' });
      assert.equal(dead?.originalId, id);
      assert.equal(dead?.deliveries, 1);
      assert.match(dead?.reason ?? '', /^unrecoverable: UnrecoverableError: malformed order/);
      assert.equal(calls, 1);
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the ack' });
      assert.equal(consumer.metrics.counters.retried, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('an undecodable entry (XADD s * d not-json) is dead-lettered with the decode reason, never handled', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('undecodable');
      const admin = bag.add(new Admin({ redis: redis.url }));
      const handled: unknown[] = [];
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', handler: (msg) => { handled.push(msg.data); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const badId = await cmd<string>(raw, 'XADD', stream, '*', 'd', 'not-json');
      await cmd(raw, 'XADD', stream, '*', 'd', '"fine"');
      await waitFor(async () => handled.length === 1 && (await admin.deadLetters(stream)).length === 1, { deadlineMs: 5000, description: 'one handled, one dead' });
      const [dead] = await admin.deadLetters(stream);
      assert.equal(dead?.originalId, badId);
      assert.match(dead?.reason ?? '', /^cannot decode: DecodeError: Field "d" is not valid JSON/);
      assert.deepEqual(dead?.fields, { d: 'not-json' });
      assert.deepEqual(handled, ['fine']);
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'both acknowledged' });
    } finally {
      await bag.closeAll();
    }
  });

  it('Admin replays dead letters into the stream (handled again) and purges them', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('replay');
      const producer = bag.add(new Producer<{ n: number }>({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      let failing = true;
      const succeeded: number[] = [];
      const consumer = bag.add(new Consumer<{ n: number }>({
        ...fast(redis.url), stream, group: 'g', maxDeliveries: 1,
        handler: (msg) => {
          if (failing) throw new Error('down');
          succeeded.push(msg.data.n);
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await producer.sendMany([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
      const dead = await waitFor(async () => {
        const list = await admin.deadLetters(stream);
        return list.length === 4 ? list : undefined;
      }, { deadlineMs: 5000, description: 'four dead letters' });
      assert.deepEqual(dead.map((d) => JSON.parse(d.fields.d as string)).map((p: { n: number }) => p.n).sort(), [1, 2, 3, 4]);

      failing = false;
      const chosen = dead.filter((d) => d.fields.d === '{"n":2}' || d.fields.d === '{"n":3}');
      assert.equal(await admin.replayDeadLetters(stream, { ids: chosen.map((d) => d.id) }), 2);
      await waitFor(() => succeeded.length === 2, { deadlineMs: 5000, description: 'the replayed messages' });
      assert.deepEqual(succeeded.sort(), [2, 3]);
      assert.equal((await admin.deadLetters(stream)).length, 2, 'replayed ones left the dead letters');
      assert.equal(await cmd(raw, 'XLEN', stream), 6, 'replayed as new entries');

      assert.equal(await admin.purgeDeadLetters(stream, { all: true }), 2);
      assert.deepEqual(await admin.deadLetters(stream), []);
      assert.equal(await admin.replayDeadLetters(stream, { ids: ['1-1'] }), 0, 'unknown IDs are skipped');
      await assert.rejects(admin.purgeDeadLetters(stream, {}), { name: 'InvalidOptionError' });
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'nothing pending' });
    } finally {
      await bag.closeAll();
    }
  });

  it('a dead letter that cannot be written leaves the entry pending (never acknowledged without a dead letter)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('dlq-blocked');
      const dead = streamKeys(stream).dead;
      await cmd(raw, 'SET', dead, 'not a stream'); // XADD to it fails with WRONGTYPE
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      const errors: Error[] = [];
      let calls = 0;
      const consumer = new Consumer({
        ...fast(redis.url), stream, group: 'g', maxDeliveries: 1, visibilityTimeoutMs: 500, reclaimIntervalMs: 50,
        handler: () => { calls++; throw new Error('always fails'); },
      });
      consumer.on('error', (error: Error) => errors.push(error));
      bag.add(consumer, (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const id = await producer.send({ precious: true });
      await waitFor(() => errors.some((e) => e.name === 'WrongTypeError'), { deadlineMs: 5000, description: 'the dead-letter failure' });
      const [row] = await pendingRows(raw, stream, 'g');
      assert.equal(row?.id, id, 'still pending after the failed dead-letter');
      assert.equal(consumer.metrics.counters.deadLettered, 0);

      await cmd(raw, 'DEL', dead);
      await waitFor(async () => (await admin.deadLetters(stream)).length === 1 && (await pendingCount(raw, stream, 'g')) === 0,
        { deadlineMs: 5000, description: 'the dead letter once the key is fixed' });
      const [letter] = await admin.deadLetters(stream);
      assert.equal(letter?.originalId, id);
      assert.deepEqual(letter?.fields, { d: '{"precious":true}' });
      assert.equal(calls, 1, 'not handled again: out of deliveries');
    } finally {
      await bag.closeAll();
    }
  });

  it('an entry delivered more than maxDeliveries times without an outcome (consumers crashing on it) is dead-lettered', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('poison-crash');
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'g', '0', 'MKSTREAM');
      const id = await cmd<string>(raw, 'XADD', stream, '*', 'd', '"poison"');
      // Three consumers in turn took it and died (each claim bumps the counter).
      await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'dead-1', 'COUNT', '1', 'STREAMS', stream, '>');
      await cmd(raw, 'XCLAIM', stream, 'g', 'dead-2', '0', id);
      await cmd(raw, 'XCLAIM', stream, 'g', 'dead-3', '0', id, 'IDLE', '600000');
      const handled: unknown[] = [];
      const admin = bag.add(new Admin({ redis: redis.url }));
      const consumer = bag.add(new Consumer({
        ...fast(redis.url), stream, group: 'g', maxDeliveries: 3, handler: (msg) => { handled.push(msg.data); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const [dead] = await waitFor(async () => {
        const list = await admin.deadLetters(stream);
        return list.length > 0 ? list : undefined;
      }, { deadlineMs: 5000, description: 'the dead letter' });
      assert.equal(dead?.originalId, id);
      assert.equal(dead?.deliveries, 4);
      assert.match(dead?.reason ?? '', /more than maxDeliveries \(3\)/);
      assert.deepEqual(handled, []);
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the ack' });
    } finally {
      await bag.closeAll();
    }
  });
});
