/**
 * Contract 3 — an entry is acknowledged only after its handler resolves (it is pending in XPENDING
 * while the handler runs, however long), and acks are batched: many handlers finishing together
 * cost one XACK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { parseInfo } from '../support/resp.js';
import { Bag, cmd, fast, gate, pendingCount, pendingRows, rawClient, type RawClient } from './helpers.js';

// A private server: the XACK call counts come from INFO commandstats.
let server: RedisServer;
let raw: RawClient;
before(async () => {
  server = await RedisServer.start();
  raw = await rawClient(server.url);
});
after(async () => {
  await raw.close();
  await server.stop();
});

async function xackCalls(): Promise<number> {
  const stats = parseInfo(String(await server.command('INFO', 'commandstats')));
  const line = stats.get('cmdstat_xack');
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
}

describe('ack after success', () => {
  it('keeps the entry pending while the handler is blocked, across lease renewals, and acks it once it resolves', async () => {
    const bag = new Bag();
    const release = gate();
    bag.defer(() => release.open());
    try {
      const stream = uniqueName('ack-after');
      const producer = bag.add(new Producer({ stream, redis: server.url }));
      let running = false;
      const consumer = bag.add(new Consumer({
        ...fast(server.url), stream, group: 'g', name: 'c1', visibilityTimeoutMs: 300,
        handler: async () => { running = true; await release.promise; },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      const id = await producer.send({ n: 1 });
      await waitFor(() => running, { deadlineMs: 5000, description: 'the handler to start' });
      // Several lease renewals happen (every visibility/3 = 100 ms) while the handler is blocked.
      await waitFor(() => consumer.metrics.counters.leasesRenewed >= 3, { deadlineMs: 5000, description: 'lease renewals' });
      const pending = await pendingRows(raw, stream, 'g');
      assert.deepEqual(pending.map((p) => [p.id, p.consumer]), [[id, 'c1']]);
      assert.equal(consumer.metrics.counters.acked, 0);

      release.open();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the ack' });
      assert.equal(consumer.metrics.counters.acked, 1);
    } finally {
      await bag.closeAll();
    }
  });

  it('a handler that throws does not acknowledge (the entry stays pending until it succeeds)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('ack-throw');
      const producer = bag.add(new Producer({ stream, redis: server.url }));
      let calls = 0;
      const allow = gate();
      let failed = false;
      const consumer = bag.add(new Consumer({
        ...fast(server.url), stream, group: 'g', backoff: () => 100_000, // no retry during the check
        handler: async () => {
          calls++;
          if (calls === 1) { failed = true; throw new Error('boom'); }
          await allow.promise;
        },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await producer.send('x');
      await waitFor(() => failed, { deadlineMs: 5000, description: 'the failure' });
      assert.equal(await pendingCount(raw, stream, 'g'), 1);
      assert.equal(consumer.metrics.counters.acked, 0);
      assert.equal(consumer.metrics.counters.failed, 1);
    } finally {
      await bag.closeAll();
    }
  });

  it('acknowledges many handlers finishing together with one batched XACK', async () => {
    const bag = new Bag();
    const release = gate();
    bag.defer(() => release.open());
    try {
      const stream = uniqueName('ack-batch');
      const producer = bag.add(new Producer({ stream, redis: server.url }));
      const ids = await producer.sendMany(Array.from({ length: 50 }, (_, i) => i));
      let started = 0;
      const consumer = bag.add(new Consumer({
        ...fast(server.url), stream, group: 'g', concurrency: 50,
        handler: async () => { started++; await release.promise; },
      }), (c) => c.close({ timeoutMs: 500 }));
      await consumer.start();
      await waitFor(() => started === 50, { deadlineMs: 5000, description: 'all 50 handlers running' });
      assert.equal(await pendingCount(raw, stream, 'g'), 50);
      const before = await xackCalls();
      release.open();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'all acks' });
      const calls = (await xackCalls()) - before;
      assert.ok(calls >= 1 && calls <= 2, `50 acks took ${calls} XACK calls`);
      assert.equal(consumer.metrics.counters.acked, 50);
      assert.equal(ids.length, 50);
      assert.equal(await cmd(raw, 'XLEN', stream), 50, 'acking does not delete');
    } finally {
      await bag.closeAll();
    }
  });
});
