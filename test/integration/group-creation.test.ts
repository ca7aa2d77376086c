/**
 * Contract 1 — group creation is `XGROUP CREATE … MKSTREAM` with BUSYGROUP meaning "exists", no
 * check-then-create: consumers starting together all start; `startAt: '0'` delivers earlier
 * messages, `'$'` only new ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

describe('group creation', () => {
  it('many consumers creating the same group at the same moment all start, and one group exists', async () => {
    const bag = new Bag();
    try {
      for (let round = 0; round < 5; round++) {
        const stream = uniqueName('create-race');
        const consumers = Array.from({ length: 6 }, (_, i) => bag.add(
          new Consumer({ ...fast(redis.url), stream, group: 'g', name: `c${i}`, handler: () => undefined }),
          (c) => c.close({ timeoutMs: 500 }),
        ));
        const results = await Promise.allSettled(consumers.map((c) => c.start()));
        assert.deepEqual(results.map((r) => r.status), consumers.map(() => 'fulfilled'), JSON.stringify(results));
        const groups = await cmd<unknown[]>(raw, 'XINFO', 'GROUPS', stream);
        assert.equal(groups.length, 1);
        assert.equal(await cmd(raw, 'TYPE', stream), 'stream', 'MKSTREAM created the stream');
      }
    } finally {
      await bag.closeAll();
    }
  });

  it('a consumer and Admin.createGroup racing on an existing group: both fine (BUSYGROUP = exists)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('busygroup');
      const admin = bag.add(new Admin({ redis: redis.url }));
      assert.equal(await admin.createGroup(stream, 'g'), true);
      assert.equal(await admin.createGroup(stream, 'g'), false);
      const consumer = bag.add(new Consumer({ ...fast(redis.url), stream, group: 'g', handler: () => undefined }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
    } finally {
      await bag.closeAll();
    }
  });

  it("startAt '0' gets messages sent before the group existed; '$' gets only later ones", async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('start-at');
      const producer = bag.add(new Producer<string>({ stream, redis: redis.url }));
      for (const text of ['early-1', 'early-2', 'early-3']) await producer.send(text);

      const fromStart: string[] = [];
      const fromNow: string[] = [];
      const all = bag.add(new Consumer<string>({ ...fast(redis.url), stream, group: 'from-start', startAt: '0', handler: (m) => { fromStart.push(m.data); } }),
        (c) => c.close({ timeoutMs: 500 }));
      const latest = bag.add(new Consumer<string>({ ...fast(redis.url), stream, group: 'from-now', startAt: '$', handler: (m) => { fromNow.push(m.data); } }),
        (c) => c.close({ timeoutMs: 500 }));
      await Promise.all([all.start(), latest.start()]);
      await producer.send('late-1');

      await waitFor(() => fromStart.length === 4 && fromNow.length === 1, { deadlineMs: 5000, description: 'both groups to get their messages' });
      await Promise.all([all.onIdle(), latest.onIdle()]);
      assert.deepEqual(fromStart, ['early-1', 'early-2', 'early-3', 'late-1']);
      assert.deepEqual(fromNow, ['late-1']);
    } finally {
      await bag.closeAll();
    }
  });

  it('the default is startAt 0 (everything in the stream)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('default-start');
      await cmd(raw, 'XADD', stream, '*', 'd', '"before"');
      const seen: unknown[] = [];
      const consumer = bag.add(new Consumer({ ...fast(redis.url), stream, group: 'g', handler: (m) => { seen.push(m.data); } }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(() => seen.length === 1, { deadlineMs: 5000, description: 'the earlier message' });
      assert.deepEqual(seen, ['before']);
    } finally {
      await bag.closeAll();
    }
  });
});
