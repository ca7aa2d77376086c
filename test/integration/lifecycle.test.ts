/**
 * A consumer's life around its work: it leaves its group on close when it holds nothing (so dead
 * names do not pile up), unless told to keep its name; its metrics say what happened (delivered
 * counts only hand-outs, in-flight is 0 once closed); and its reclaim sweep backs off under an
 * error that does not go away instead of reporting one per sweep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Consumer, Producer } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, closeFileRedis, cmd, fast, gate, openFileRedis, pendingCount, type RawClient } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

/** Consumer names of a group (XINFO CONSUMERS). */
async function consumerNames(stream: string, group: string): Promise<string[]> {
  const rows = await cmd<string[][]>(raw, 'XINFO', 'CONSUMERS', stream, group);
  return rows.map((row) => String(row[row.indexOf('name') + 1]));
}

describe('consumer lifecycle', () => {
  it('close() removes the consumer from its group when it holds nothing; keepConsumerOnClose keeps it', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('leave');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      await producer.sendMany([1, 2, 3]);
      const handled: number[] = [];
      const leaving = new Consumer<number>({ ...fast(redis.url), stream, group: 'g', name: 'leaving', handler: (m) => { handled.push(m.data); } });
      const staying = new Consumer<number>({ ...fast(redis.url), stream, group: 'g', name: 'staying', keepConsumerOnClose: true, handler: () => undefined });
      await leaving.start();
      await staying.start();
      await waitFor(async () => handled.length === 3 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'the messages' });
      assert.deepEqual((await consumerNames(stream, 'g')).sort(), ['leaving', 'staying']);
      await leaving.close();
      await staying.close();
      assert.deepEqual(await consumerNames(stream, 'g'), ['staying']);
    } finally {
      await bag.closeAll();
    }
  });

  it('a consumer closed while a handler outlives the timeout keeps its name (its entry stays pending), and reports 0 in flight', async () => {
    const bag = new Bag();
    const release = gate();
    bag.defer(() => release.open());
    try {
      const stream = uniqueName('leave-busy');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      let started = false;
      const consumer = new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', name: 'busy',
        handler: async () => { started = true; await release.promise; },
      });
      await consumer.start();
      await producer.send(1);
      await waitFor(() => started, { deadlineMs: 5000, description: 'the handler' });
      assert.equal(consumer.metricsSnapshot().inFlight, 1);
      await consumer.close({ timeoutMs: 100 });
      assert.deepEqual(await consumerNames(stream, 'g'), ['busy'], 'not removed: it still holds an entry');
      assert.equal(await pendingCount(raw, stream, 'g', 'busy'), 1);
      assert.equal(consumer.metricsSnapshot().inFlight, 0, 'in flight after close');
    } finally {
      await bag.closeAll();
    }
  });

  it('delivered counts messages handed to a handler, not undecodable or exhausted entries', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('delivered');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      await producer.sendMany([1, 2]);
      await cmd(raw, 'XADD', stream, '*', 'd', '{not json');
      const consumer = bag.add(new Consumer<number>({ ...fast(redis.url), stream, group: 'g', handler: () => undefined }));
      await consumer.start();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0 && consumer.metrics.counters.deadLettered === 1,
        { deadlineMs: 5000, description: 'two handled, one dead-lettered' });
      assert.equal(consumer.metrics.counters.delivered, 2);
      assert.equal(consumer.metrics.counters.acked, 2);
    } finally {
      await bag.closeAll();
    }
  });

  it('the reclaim sweep backs off under a persistent error instead of reporting one per sweep', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('sweep-backoff');
      const user = uniqueName('noclaim');
      // A user that may do everything but XAUTOCLAIM: every sweep fails the same way, reads and acks work.
      await cmd(raw, 'ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-xautoclaim');
      bag.defer(() => cmd(raw, 'ACL', 'DELUSER', user));
      const url = redis.url.replace('redis://', `redis://${user}:pw@`);
      const errors: { at: number; message: string }[] = [];
      const consumer = new Consumer({ ...fast(url), stream, group: 'g', reclaimIntervalMs: 50, handler: () => undefined });
      consumer.on('error', (error: Error) => errors.push({ at: Date.now(), message: error.message }));
      bag.add(consumer);
      await consumer.start();
      const started = Date.now();
      await delay(3000);
      const sweepErrors = errors.filter((e) => /XAUTOCLAIM/i.test(e.message));
      assert.ok(sweepErrors.length >= 2, `the failing sweep is reported (${sweepErrors.length} times)`);
      // 50 ms apart, 3 s would be 60 reports; doubling from 100 ms gives at most 6.
      assert.ok(sweepErrors.length <= 7, `${sweepErrors.length} reports in 3 s: ${sweepErrors.map((e) => e.at - started).join(', ')} ms`);
      const gaps = sweepErrors.slice(1).map((e, i) => e.at - (sweepErrors[i] as { at: number }).at);
      for (let i = 1; i < gaps.length; i++) assert.ok((gaps[i] as number) > (gaps[i - 1] as number), `gaps grow: ${gaps.join(', ')} ms`);
    } finally {
      await bag.closeAll();
    }
  });
});
