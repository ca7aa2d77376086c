/**
 * Contract 13 — `for await`: the iterator rejects when the consumer cannot start; a consumer with a
 * handler cannot be iterated; a message taken from the iterator is the caller's (JetStream's
 * AckWait): not renewed by itself, redelivered when left unsettled for the visibility timeout, and
 * kept by `msg.working()`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ConnectionError, Consumer, InvalidOptionError, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, closeFileRedis, fast, openFileRedis, pendingCount, pendingRows, type RawClient } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

const VISIBILITY_MS = 800;

/** Takes messages from `consumer` into `into` until the consumer closes; resolves with the loop's error, if any. */
function collect<T>(consumer: Consumer<T>, into: { message: Message<T>; at: number }[]): Promise<unknown> {
  return (async () => {
    for await (const message of consumer) into.push({ message, at: Date.now() });
  })().then(() => undefined, (error: unknown) => error);
}

describe('for await', () => {
  it('rejects with the start error when Redis cannot be reached', async () => {
    const consumer = new Consumer({ stream: 'x', group: 'g', redis: 'redis://127.0.0.1:1', connectTimeoutMs: 1500 });
    const started = Date.now();
    const error = await (async () => {
      for await (const _message of consumer) assert.fail('no message can arrive');
    })().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ConnectionError, `rejected with ${String(error)}`);
    assert.ok(Date.now() - started < 5000, `rejected after ${Date.now() - started} ms`);
    await consumer.close();
  });

  it('a consumer with a handler cannot be iterated', () => {
    const consumer = new Consumer({ ...fast(redis.url), stream: 'x', group: 'g', handler: () => undefined });
    assert.throws(() => consumer[Symbol.asyncIterator](), (error: unknown) => error instanceof InvalidOptionError && /handler/.test(error.message));
  });

  it('a message left unsettled for the visibility timeout is redelivered; a late ack still acknowledges it', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('iter-ackwait');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      const consumer = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 50,
      }), (c) => c.close({ timeoutMs: 500 }));
      const got: { message: Message<string>; at: number }[] = [];
      const loop = collect(consumer, got);
      await producer.send('job');
      await waitFor(() => got.length === 2, { deadlineMs: 5000, description: 'the unsettled message to come back' }).catch(() => undefined);
      assert.equal(got.length, 2, 'redelivered once');
      const [first, second] = got as [{ message: Message<string>; at: number }, { message: Message<string>; at: number }];
      assert.equal(second.message.id, first.message.id);
      assert.equal(second.message.deliveries, 2);
      const after = second.at - first.at;
      assert.ok(after >= VISIBILITY_MS - 50 && after <= VISIBILITY_MS + 500, `redelivered after ${after} ms (visibility timeout ${VISIBILITY_MS} ms)`);
      first.message.ack(); // late: acknowledges the entry all the same
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 3000, description: 'the late ack' });
      second.message.ack();
      assert.equal(consumer.metrics.counters.delivered, 2);
      await consumer.close();
      assert.equal(await loop, undefined, 'the loop ends on close');
      assert.equal(consumer.metricsSnapshot().inFlight, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('msg.working() keeps a message for as long as it is called', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('iter-working');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      const consumer = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 50,
      }), (c) => c.close({ timeoutMs: 500 }));
      const got: { message: Message<string>; at: number }[] = [];
      void collect(consumer, got);
      await producer.send('slow job');
      await waitFor(() => got.length === 1, { deadlineMs: 5000, description: 'the message' });
      const message = (got[0] as { message: Message<string> }).message;
      for (let elapsed = 0; elapsed < 3 * VISIBILITY_MS; elapsed += VISIBILITY_MS / 4) {
        await message.working();
        await delay(VISIBILITY_MS / 4);
      }
      const rows = await pendingRows(raw, stream, 'g');
      assert.equal(got.length, 1, 'not redelivered while working() was called');
      assert.deepEqual(rows.map((r) => r.deliveries), [1]);
      message.ack();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 3000, description: 'the ack' });
    } finally {
      await bag.closeAll();
    }
  });

  it('messages buffered behind a slow loop are kept until handed out', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('iter-buffered');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      await producer.sendMany([1, 2, 3]);
      const consumer = bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 50,
      }), (c) => c.close({ timeoutMs: 500 }));
      const seen: { data: number; deliveries: number }[] = [];
      for await (const message of consumer) {
        seen.push({ data: message.data, deliveries: message.deliveries });
        await delay(VISIBILITY_MS * 0.75); // slow, but each message is settled within its own visibility timeout
        message.ack();
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, [{ data: 1, deliveries: 1 }, { data: 2, deliveries: 1 }, { data: 3, deliveries: 1 }]);
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 3000, description: 'the acks' });
    } finally {
      await bag.closeAll();
    }
  });
});
