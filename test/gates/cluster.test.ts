/**
 * The gates on a local Redis Cluster (3 masters): every gate key is in its scope's slot (or the
 * cluster would answer CROSSSLOT), a group-wide rate limit spans the partitions of a partitioned
 * stream spread over the shards, and per-key concurrency holds across two consumers of a stream
 * whose name has a hash tag. Admin reads both states from the right node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { Admin, Consumer, gateKeys, keySlot, MetricsRegistry, PartitionedConsumer, PartitionedProducer, Producer, partitionStreams } from '../../src/index.js';
import { rateGrantTime } from '../../src/admission/rate-limit-gate.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';
import { busiestWindow } from './helpers.js';

let cluster: LocalCluster;
const closers: (() => Promise<unknown>)[] = [];
before(async () => { cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 }); });
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await cluster?.stop();
});
const redis = () => ({ rootNodes: cluster.rootNodes() });
function track<T extends { close(): Promise<unknown> }>(thing: T): T {
  closers.push(() => thing.close());
  return thing;
}

describe('gates on Redis Cluster', { timeout: 120_000 }, () => {
  it('puts every gate key in its scope\'s slot, for plain, tagged and brace names', async () => {
    const node = createClient({ url: cluster.rootNodes()[0]?.url });
    await node.connect();
    try {
      for (const scope of ['orders', '{tenant}.orders', 'a}b{', 'ünï {x']) {
        const keys = gateKeys(scope, 'g:1');
        for (const key of [keys.config, keys.rate, keys.rateKeys, keys.slotKeys, keys.rateOf('acme'), keys.slotsOf('{x}')]) {
          assert.equal(Number(await node.sendCommand(['CLUSTER', 'KEYSLOT', key])), keySlot(scope), `${key} is not in the slot of ${scope}`);
        }
      }
    } finally {
      await node.close();
    }
  });

  it('holds a group-wide rate limit across the partitions of a partitioned stream on 3 shards', async () => {
    const stream = uniqueName('crate');
    const partitions = 3;
    const slots = new Set(partitionStreams(stream, partitions).map((s) => keySlot(s)));
    assert.equal(slots.size, partitions);
    const producer = track(new PartitionedProducer<number>({ stream, partitions, redis: redis(), registry: new MetricsRegistry() }));
    await producer.sendMany(Array.from({ length: 150 }, (_, i) => i));
    const grants: number[] = [];
    const consumer = track(new PartitionedConsumer<number>({
      stream, partitions, group: 'g', redis: redis(), registry: new MetricsRegistry(), blockMs: 100,
      rateLimit: { max: 40, perMs: 1000 },
      handler: (msg) => { grants.push(rateGrantTime(msg as never) as number); },
    }));
    await consumer.start();
    await waitFor(() => grants.length >= 150 || undefined, { deadlineMs: 30_000, description: 'every message to run' });
    const admin = track(new Admin({ redis: redis() }));
    const state = await admin.rateLimitState(stream, 'g');
    const busiest = busiestWindow(grants, 1000);
    console.log(`# cluster rate: busiest 1 s window ${busiest.count} of 40; Admin sees ${state.group?.used} used`);
    assert.ok(busiest.count <= 40, `${busiest.count} grants in a 1 s window over 3 partitions`);
    assert.equal(state.group?.max, 40);
  });

  it('holds per-key concurrency across two consumers of a tagged stream', async () => {
    const stream = `{${uniqueName('ckey')}}.jobs`;
    const producer = track(new Producer<number>({ stream, redis: redis(), registry: new MetricsRegistry() }));
    for (const tenant of ['x', 'y', 'z']) await producer.sendMany(Array.from({ length: 30 }, (_, i) => i), { headers: { tenant } });
    const running = new Map<string, number>();
    let most = 0;
    let done = 0;
    const seen: number[] = [];
    const make = (name: string) => track(new Consumer<number>({
      stream, group: 'g', name, redis: redis(), registry: new MetricsRegistry(), blockMs: 100, concurrency: 6,
      groupBy: (msg) => msg.headers.tenant, perKeyConcurrency: 1,
      handler: async (msg) => {
        const tenant = msg.headers.tenant as string;
        running.set(tenant, (running.get(tenant) ?? 0) + 1);
        most = Math.max(most, running.get(tenant) as number);
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
        running.set(tenant, (running.get(tenant) as number) - 1);
        done++;
      },
    }));
    const admin = track(new Admin({ redis: redis() }));
    await Promise.all([make('one').start(), make('two').start()]);
    await waitFor(async () => {
      seen.push((await admin.keyConcurrency(stream, 'g')).keys.length);
      return done >= 90 || undefined;
    }, { deadlineMs: 30_000, intervalMs: 20, description: 'every message to run' });
    assert.equal(most, 1, 'one handler per key at a time across both consumers');
    assert.ok(Math.max(...seen) >= 1 && Math.max(...seen) <= 3, `Admin saw ${Math.max(...seen)} keys holding slots`);
  });
});
