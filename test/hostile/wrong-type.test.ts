/**
 * A key of the wrong type where the stream (or its dead-letter stream) should be: a clear
 * WrongTypeError naming the key and its type, never a crash, a crash loop or a stuck consumer —
 * and once the key is fixed, work resumes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, MetricsRegistry, Producer, streamKeys, WrongTypeError } from '../../src/index.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { cmd, fastOptions, harness, rawClient, storedDeadLetters, waitSettled, type RawClient } from './helpers.js';

let redis: UsedRedis;
let client: RawClient;

before(async () => {
  redis = await useRedis();
  client = await rawClient(redis.url);
});
after(async () => {
  await client.close();
  await redis.close();
});

const WRONG_TYPES: [string, (key: string) => (string | Buffer)[]][] = [
  ['string', (key) => ['SET', key, 'not a stream']],
  ['list', (key) => ['RPUSH', key, 'a']],
  ['hash', (key) => ['HSET', key, 'f', 'v']],
  ['set', (key) => ['SADD', key, 'm']],
  ['zset', (key) => ['ZADD', key, '1', 'm']],
];

describe('a key of the wrong type where the stream should be', () => {
  for (const [type, create] of WRONG_TYPES) {
    it(`(${type}): start, send, sendMany and stats reject with a WrongTypeError naming the key`, async () => {
      const stream = uniqueName(`wrong-${type}`);
      await cmd(client, ...create(stream));
      const consumer = new Consumer({ stream, group: 'g', redis: redis.url, handler: () => undefined, registry: new MetricsRegistry() });
      const errors: Error[] = [];
      consumer.on('error', (error: Error) => errors.push(error));
      const started = Date.now();
      await assert.rejects(consumer.start(), (error: Error) => {
        assert.ok(error instanceof WrongTypeError, String(error));
        assert.equal(error.code, 'ERR_STREAMQ_WRONG_TYPE');
        assert.equal(error.message, `Key "${stream}" holds a ${type}, not a stream: cannot consume it`);
        return true;
      });
      assert.ok(Date.now() - started < 3_000, 'rejects at once');
      await consumer.close();

      const producer = new Producer({ stream, redis: redis.url });
      try {
        await assert.rejects(producer.send({ a: 1 }), (error: Error) => error instanceof WrongTypeError && /WRONGTYPE/.test(error.message));
        await assert.rejects(producer.sendMany([{ a: 1 }, { a: 2 }]), (error: Error) => error instanceof WrongTypeError);
      } finally {
        await producer.close();
      }
      const admin = new Admin({ redis: redis.url });
      try {
        await assert.rejects(admin.stats(stream), WrongTypeError);
      } finally {
        await admin.close();
      }
      assert.equal(String(await cmd(client, 'TYPE', stream)), type, 'nothing was overwritten');
      assert.deepEqual(errors, [], 'no error events from a consumer that never started');
    });
  }

  it('replaced under a running consumer: bounded errors, no crash; resumes once the key is gone', async () => {
    const stream = uniqueName('replaced');
    const group = 'g';
    const producer = new Producer({ stream, redis: redis.url });
    // The sweep reports a failure once per interval and the read loop backs off (50 ms doubling to
    // 2 s): with a 1 s sweep, a few errors a second at most.
    const h = harness<{ n: number }>({ ...fastOptions(redis.url), stream, group, reclaimIntervalMs: 1_000 } as never);
    try {
      await h.consumer.start();
      await producer.send({ n: 1 });
      await waitFor(() => h.delivered.length === 1, { description: 'the first message' });
      await cmd(client, 'DEL', stream);
      await cmd(client, 'SET', stream, 'squatter');
      const errorsBefore = h.errors.length;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const errors = h.errors.slice(errorsBefore);
      assert.ok(errors.length >= 1, 'the problem is reported');
      assert.ok(errors.length <= 12, `no error storm: ${errors.length} errors in 3 s:\n${errors.map((e) => e.message).join('\n')}`);
      assert.ok(errors.some((e) => e instanceof WrongTypeError && /WRONGTYPE/.test(e.message)), errors.map(String).join('\n'));
      await cmd(client, 'DEL', stream);
      // The read loop recreates the stream and the group (NOGROUP) and says so.
      await waitFor(() => h.warnings.some((w) => /was missing.*recreated/.test(w)), { deadlineMs: 10_000, description: 'the group to be recreated' });
      await producer.send({ n: 2 });
      await waitFor(() => h.delivered.some((m) => m.data.n === 2), { deadlineMs: 10_000, description: 'a message after the fix' });
    } finally {
      await h.consumer.close({ timeoutMs: 1_000 });
      await producer.close();
    }
  });

  // Found by this suite: dead-letter.lua ran XACK before its XADD to the dead-letter stream; with
  // another type at that key the XADD failed after the ack, and the message was lost (pending 0, no
  // dead letter) with only an `error` event.
  it('where the dead-letter stream should be: the failing message stays pending, then is dead-lettered once the key is fixed', async () => {
      const stream = uniqueName('dead-wrong');
      const group = 'g';
      await cmd(client, 'SET', streamKeys(stream).dead, 'squatter');
      const producer = new Producer({ stream, redis: redis.url });
      const h = harness<{ poison: boolean }>({ ...fastOptions(redis.url), stream, group } as never, () => {
        throw new Error('poison');
      });
      try {
        const id = await producer.send({ poison: true });
        await h.consumer.start();
        await waitFor(() => h.errors.some((e) => e instanceof WrongTypeError), { deadlineMs: 10_000, description: 'the WRONGTYPE error' });
        const pending = await cmd<[number]>(client, 'XPENDING', stream, group);
        assert.equal(Number(pending[0]), 1, 'the message is still pending, not acknowledged');
        await cmd(client, 'DEL', streamKeys(stream).dead);
        await waitSettled(client, stream, group);
        assert.deepEqual((await storedDeadLetters(client, stream)).map((d) => d.originalId), [id]);
      } finally {
        await h.consumer.close({ timeoutMs: 1_000 });
        await producer.close();
      }
    });
});
