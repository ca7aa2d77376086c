/**
 * Interoperability: an entry written by another client in another shape (`XADD s * message hello`,
 * as the go-redis example does) is delivered with its raw fields (`msg.foreign`); what streamq
 * sends is plain stream data any client reads with XRANGE (fields `d` and `h`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

describe('foreign entries', () => {
  it('XADD s * message hello is delivered with msg.fields = { message: "hello" } and msg.foreign', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('foreign');
      const got: Message[] = [];
      const consumer = bag.add(new Consumer({ ...fast(redis.url), stream, group: 'g', handler: (msg) => { got.push(msg); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const id = await cmd<string>(raw, 'XADD', stream, '*', 'message', 'hello');
      const multi = await cmd<string>(raw, 'XADD', stream, '*', 'user', '42', 'action', 'login', 'at', '2024-01-01');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const ours = await producer.send({ message: 'hello' });
      await waitFor(async () => got.length === 3 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'three messages' });
      const [first, second, third] = got as [Message, Message, Message];
      assert.equal(first.id, id);
      assert.deepEqual(first.fields, { message: 'hello' });
      assert.equal(first.foreign, true);
      assert.deepEqual(first.data, { message: 'hello' });
      assert.deepEqual(first.headers, {});
      assert.equal(first.deliveries, 1);
      assert.equal(second.id, multi);
      assert.deepEqual(second.fields, { user: '42', action: 'login', at: '2024-01-01' });
      assert.equal(second.foreign, true);
      assert.equal(third.id, ours);
      assert.equal(third.foreign, false);
      assert.deepEqual(third.data, { message: 'hello' });
      assert.deepEqual(third.fields, { d: '{"message":"hello"}' });
      assert.equal(consumer.metrics.counters.deadLettered, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('raw mode delivers every entry as its fields, streamq entries included', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('raw-mode');
      const got: Message[] = [];
      const consumer = bag.add(new Consumer({ ...fast(redis.url), stream, group: 'g', raw: true, handler: (msg) => { got.push(msg); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      await producer.send([1, 2]);
      await cmd(raw, 'XADD', stream, '*', 'd', 'not-json'); // would be a decode failure without raw mode
      await waitFor(() => got.length === 2, { deadlineMs: 5000, description: 'two messages' });
      assert.deepEqual(got.map((m) => m.data), [{ d: '[1,2]' }, { d: 'not-json' }]);
      assert.equal(consumer.metrics.counters.deadLettered, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('what streamq sends is readable with plain XRANGE: fields d (JSON payload) and h (JSON headers)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('plain-read');
      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      const admin = bag.add(new Admin({ redis: redis.url }));
      const a = await producer.send({ id: 1, name: 'Ünïcødé' });
      const b = await producer.send('text', { headers: { traceparent: '00-abc-def-01' } });
      const [c] = await producer.sendMany([null]);
      const entries = await cmd<[string, string[]][]>(raw, 'XRANGE', stream, '-', '+');
      assert.deepEqual(entries, [
        [a, ['d', '{"id":1,"name":"Ünïcødé"}']],
        [b, ['d', '"text"', 'h', '{"traceparent":"00-abc-def-01"}']],
        [c, ['d', 'null']],
      ]);
      assert.deepEqual(await admin.read(stream), [
        { id: a, fields: { d: '{"id":1,"name":"Ünïcødé"}' } },
        { id: b, fields: { d: '"text"', h: '{"traceparent":"00-abc-def-01"}' } },
        { id: c, fields: { d: 'null' } },
      ]);
      assert.equal(await cmd(raw, 'TYPE', stream), 'stream');
      assert.equal(await cmd(raw, 'EXISTS', stream), 1, 'the stream key is the name, verbatim');
    } finally {
      await bag.closeAll();
    }
  });
});
