/**
 * The consumer's newer powers on a local Redis Cluster (3 masters): priority levels (every level's
 * stream and the levels record in the stream's slot, one multi-key XREADGROUP per round), retries
 * at their due time (claim-own.lua), a group pause (its hash in the stream's slot), and dead
 * letters of a level replayed to it. Names plain, with a {tag} and with stray braces, so a key
 * outside the slot would fail with CROSSSLOT.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, fixedBackoff, MetricsRegistry, Producer, type Message } from '../../src/index.js';
import { keySlot } from '../../src/keys.js';
import { levelStream, levelsKey } from '../../src/priorities.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

let cluster: LocalCluster;
before(async () => { cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 }); });
after(async () => { await cluster?.stop(); });

const LEVELS = ['high', 'default', 'low'];

describe('priorities, retries and pause on a cluster', { timeout: 120_000 }, () => {
  for (const base of ['orders', '{t1}.orders', 'a}b{']) {
    it(`works for a stream named ${JSON.stringify(base)}`, async () => {
      const stream = `${uniqueName('c')}-${base}`;
      for (const level of LEVELS) assert.equal(keySlot(levelStream(stream, level)), keySlot(stream));
      assert.equal(keySlot(levelsKey(stream)), keySlot(stream));
      const redis = { rootNodes: cluster.rootNodes() };
      const producer = new Producer<string>({ stream, redis, priorities: LEVELS });
      const admin = new Admin({ redis });
      const seen: { data: string; priority: string; deliveries: number; at: number }[] = [];
      let failedAt = 0;
      const consumer = new Consumer<string>({
        stream, group: 'g', redis, priorities: LEVELS, priorityMode: 'strict', visibilityTimeoutMs: 1000, reclaimIntervalMs: 60_000,
        blockMs: 200, backoff: fixedBackoff(300), registry: new MetricsRegistry(), maxDeliveries: 2,
        handler: (msg: Message<string>) => {
          seen.push({ data: msg.data, priority: msg.priority, deliveries: msg.deliveries, at: Date.now() });
          if (msg.data === 'retry' && msg.deliveries === 1) {
            failedAt = Date.now();
            throw new Error('once');
          }
          if (msg.data === 'poison') throw new Error('always');
        },
      });
      try {
        await consumer.start();
        await producer.send('low one', { priority: 'low' });
        await producer.send('retry', { priority: 'high' });
        await producer.send('poison', { priority: 'high' });
        await waitFor(() => seen.filter((s) => s.data === 'retry').length === 2 && consumer.metrics.counters.deadLettered === 1,
          { deadlineMs: 20_000, description: 'the retry and the dead letter' });
        const back = seen.find((s) => s.data === 'retry' && s.deliveries === 2) as { at: number; priority: string };
        assert.equal(back.priority, 'high');
        assert.ok(back.at - failedAt >= 300 && back.at - failedAt <= 300 + 250, `retried after ${back.at - failedAt} ms`);
        assert.equal(seen.find((s) => s.data === 'low one')?.priority, 'low');

        const [dead] = await admin.deadLetters(stream);
        assert.equal(dead?.priority, 'high');
        await admin.pause(stream, 'g');
        assert.equal((await admin.stats(stream)).groups[0]?.paused, true);
        await waitFor(() => consumer.metricsSnapshot().inFlight === 0, { deadlineMs: 5000, description: 'idle' });
        await new Promise((resolve) => setTimeout(resolve, 600)); // > pausePollMs: the pause is known
        const before = seen.length;
        assert.equal(await admin.replayDeadLetters(stream, { all: true }), 1);
        await new Promise((resolve) => setTimeout(resolve, 800));
        assert.equal(seen.length, before, 'nothing starts while the group is paused');
        await admin.resume(stream, 'g');
        await waitFor(() => seen.length > before, { deadlineMs: 5000, description: 'the replay after resume' });
        assert.equal(seen[before]?.priority, 'high', 'the replayed dead letter went back to its level');
      } finally {
        await consumer.close({ timeoutMs: 1000 });
        await producer.close();
        await admin.close();
      }
    });
  }
});
