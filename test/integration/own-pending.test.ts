/**
 * Contract 2 — start-up: a consumer first re-reads its own pending entries (ID 0), then new ones
 * (`>`). A consumer restarted with the same `name` gets back what it held before anything new,
 * without waiting for the visibility timeout (the reclaim sweep could not take it yet).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, gate, pendingCount, pendingRows, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

/** Long enough that no reclaim sweep can take the entry during the test: only the re-read can. */
const LONG_VISIBILITY_MS = 60_000;

describe('own pending entries first', () => {
  it('after close() with a short timeout while a handler hangs, a new consumer with the same name gets the old entry first', async () => {
    const bag = new Bag();
    const hang = gate();
    bag.defer(() => hang.open());
    try {
      const stream = uniqueName('own-pending');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      let started: Message<string> | undefined;
      const first = new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', name: 'worker-1', concurrency: 1, visibilityTimeoutMs: LONG_VISIBILITY_MS,
        handler: async (msg) => { started = msg; await hang.promise; },
      });
      await first.start();
      const oldId = await producer.send('old');
      await waitFor(() => started?.id === oldId, { deadlineMs: 5000, description: 'the handler to start on "old"' });

      const closeStarted = Date.now();
      await first.close({ timeoutMs: 200 });
      assert.ok(Date.now() - closeStarted < 3000, 'close returned after its timeout');
      const pending = await pendingRows(raw, stream, 'g');
      assert.deepEqual(pending.map((p) => [p.id, p.consumer]), [[oldId, 'worker-1']], 'the unfinished entry stays pending for worker-1');

      await producer.send('new-1');
      await producer.send('new-2');
      const order: [string, string, number][] = [];
      const second = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', name: 'worker-1', concurrency: 1, visibilityTimeoutMs: LONG_VISIBILITY_MS,
        handler: (msg) => { order.push([msg.data, msg.id, msg.deliveries]); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await second.start();
      await waitFor(() => order.length >= 3, { deadlineMs: 5000, description: 'three messages' });
      await second.onIdle();
      assert.deepEqual(order.map(([data]) => data), ['old', 'new-1', 'new-2']);
      assert.equal(order[0]?.[1], oldId, 'the same entry, with its ID');
      assert.ok((order[0]?.[2] ?? 0) >= 2, 'Redis counted the second delivery');
      assert.equal(await pendingCount(raw, stream, 'g'), 0);
      // The hung handler of the closed consumer finishing late acknowledges nothing twice and breaks nothing.
      hang.open();
    } finally {
      await bag.closeAll();
    }
  });

  it('entries a crashed process of the same name read but never acknowledged come first', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('own-pending-crash');
      await cmd(raw, 'XGROUP', 'CREATE', stream, 'g', '0', 'MKSTREAM');
      const a = await cmd<string>(raw, 'XADD', stream, '*', 'd', '"a"');
      const b = await cmd<string>(raw, 'XADD', stream, '*', 'd', '"b"');
      // The "previous life" of worker-7 read both and died.
      await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'worker-7', 'COUNT', '10', 'STREAMS', stream, '>');
      // Another consumer's pending entry is not "own": it must wait for the visibility timeout.
      const other = await cmd<string>(raw, 'XADD', stream, '*', 'd', '"other"');
      await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'someone-else', 'COUNT', '1', 'STREAMS', stream, '>');
      await cmd(raw, 'XADD', stream, '*', 'd', '"c"');

      const seen: string[] = [];
      const consumer = bag.add(new Consumer<string>({
        ...fast(redis.url), stream, group: 'g', name: 'worker-7', concurrency: 1, visibilityTimeoutMs: LONG_VISIBILITY_MS,
        handler: (msg) => { seen.push(msg.data); },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(() => seen.length === 3, { deadlineMs: 5000, description: 'a, b, c' });
      await consumer.onIdle();
      assert.deepEqual(seen, ['a', 'b', 'c']);
      const pending = await pendingRows(raw, stream, 'g');
      assert.deepEqual(pending.map((p) => [p.id, p.consumer]), [[other, 'someone-else']]);
      assert.ok(![a, b].includes(other));
    } finally {
      await bag.closeAll();
    }
  });
});
