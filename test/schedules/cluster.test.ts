/**
 * Schedules on a local Redis Cluster (3 masters): every schedule key is in its stream's slot, so
 * the upsert, claim and remove scripts run on one node (a key in another slot would make the
 * cluster answer CROSSSLOT). Two schedulers per stream, streams named plainly, with a {tag} and
 * with stray braces: each tick once; Admin lists and removes schedules through the cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, MetricsRegistry, Scheduler, scheduleKeys, type TickEvent } from '../../src/index.js';
import { keySlot } from '../../src/keys.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

let cluster: LocalCluster;
before(async () => { cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 }); });
after(() => cluster?.stop());

describe('schedules on Redis Cluster', { timeout: 60_000 }, () => {
  it('keys in the stream slot; two schedulers per stream send each tick once; Admin lists and removes', async () => {
    const streams = [uniqueName('plain'), `{${uniqueName('tag')}}.beats`, `${uniqueName('stray')}}{`];
    const closers: (() => Promise<unknown>)[] = [];
    try {
      const admin = new Admin({ redis: { rootNodes: cluster.rootNodes() } });
      closers.push(() => admin.close());
      const ticks = new Map<string, TickEvent[]>(streams.map((s) => [s, []]));
      for (const stream of streams) {
        const keys = scheduleKeys(stream);
        for (const key of [keys.definitions, keys.revisions, keys.next, keys.last]) assert.equal(keySlot(key), keySlot(stream), key);
        for (let i = 0; i < 2; i++) {
          const scheduler = new Scheduler({ stream, redis: { rootNodes: cluster.rootNodes() }, registry: new MetricsRegistry(), pollMs: 200 });
          scheduler.on('error', (error: Error) => { throw error; });
          scheduler.on('tick', (tick: TickEvent) => ticks.get(stream)?.push(tick));
          closers.push(() => scheduler.close());
          await scheduler.upsert('beat', { everyMs: 100 }, { stream }, { missed: 'all' });
          await scheduler.start();
        }
      }
      await waitFor(() => streams.every((s) => (ticks.get(s)?.length ?? 0) >= 5), { deadlineMs: 20_000, description: '5 ticks per stream' });
      for (const stream of streams) {
        const times = (ticks.get(stream) ?? []).map((t) => t.scheduledAt.getTime());
        assert.equal(new Set(times).size, times.length, `${stream}: a tick sent twice`);
        const [info] = await admin.schedules(stream);
        assert.equal(info?.name, 'beat');
        assert.deepEqual(info?.data, { stream });
        assert.equal(await admin.removeSchedule(stream, 'beat'), true);
      }
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    }
  });
});
