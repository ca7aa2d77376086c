/**
 * Partitioned streams on a local cluster: the key → partition hash, spreading over shards,
 * PartitionedProducer (by key, round robin, sendMany), PartitionedConsumer (every partition, work
 * shared by members), and ordered mode: order per key holds while a second member joins (the
 * partitions are rebalanced) and the first one is closed mid-way (the second takes them all).
 */
import assert from 'node:assert/strict';
import { setTimeout as pause } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Admin, fixedBackoff, InvalidOptionError, MetricsRegistry } from '../../src/index.js';
import {
  assignedPartitions, fnv1a32, PartitionedConsumer, PartitionedProducer, partitionOf, partitionStreams, type PartitionEvent,
} from '../../src/partitioned.js';
import { keySlot } from '../../src/keys.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

let cluster: LocalCluster;
const closers: (() => Promise<unknown>)[] = [];
before(async () => { cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 }); });
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await cluster?.stop();
});
const redis = () => ({ rootNodes: cluster.rootNodes() });
function track<T extends { close(): Promise<unknown> }>(thing: T): T {
  closers.push(() => thing.close());
  return thing;
}

/** Pending entries over all partitions of a group. */
async function totalPending(admin: Admin, streams: readonly string[], group: string): Promise<number> {
  let total = 0;
  for (const stream of streams) total += (await admin.stats(stream)).groups.find((g) => g.name === group)?.pending ?? 0;
  return total;
}

describe('partitioning', { timeout: 100_000 }, () => {
  it('hashes keys with FNV-1a, stably and evenly', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    assert.equal(partitionOf('customer-42', 8), fnv1a32('customer-42') % 8);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`key-${i}`, 8)]! += 1;
    assert.ok(counts.every((c) => c > 1_600 && c < 2_400), `even spread: ${counts.join(' ')}`);
  });

  it('spreads the partitions of a plain name over the masters', async () => {
    const streams = partitionStreams('orders', 8);
    assert.deepEqual(streams.slice(0, 2), ['orders:0', 'orders:1']);
    const masters = await cluster.masters();
    const owners = new Set<number>();
    for (const stream of streams) {
      const slot = keySlot(stream);
      for (const [index, master] of masters.entries()) {
        const self = String(await master.command('CLUSTER', 'NODES')).split('\n').find((l) => l.includes('myself')) ?? '';
        if (self.trim().split(' ').slice(8).some((r) => { const [a, b = a] = r.split('-').map(Number) as [number, number?]; return slot >= a && slot <= (b as number); })) owners.add(index);
      }
    }
    assert.equal(owners.size, 3, '8 partitions land on all 3 masters');
  });

  it('validates options at construction', () => {
    const base = { stream: 'orders', partitions: 4, group: 'g', handler: () => undefined };
    assert.throws(() => new PartitionedProducer({ stream: 'orders', partitions: 0 }), InvalidOptionError);
    assert.throws(() => new PartitionedConsumer({ ...base, partitions: 1.5 }), InvalidOptionError);
    assert.throws(() => new PartitionedConsumer({ ...base, ordered: true, concurrency: 4 }), /concurrency/);
    assert.throws(() => new PartitionedConsumer({ stream: 'orders', partitions: 4, group: 'g', ordered: true }), /handler/);
    assert.throws(() => new PartitionedConsumer({ ...base, visibilityTimeoutMs: 1 }), /visibilityTimeoutMs/);
  });

  it('assigns partitions round robin over the sorted members', () => {
    assert.deepEqual([...assignedPartitions(['b', 'a'], 'a', 5)], [0, 2, 4]);
    assert.deepEqual([...assignedPartitions(['b', 'a'], 'b', 5)], [1, 3]);
    assert.deepEqual([...assignedPartitions([], 'solo', 3)], [0, 1, 2]);
  });
});

describe('PartitionedProducer and PartitionedConsumer', { timeout: 100_000 }, () => {
  it('sends by key and round robin; members share every partition', async () => {
    const stream = uniqueName('parts');
    const producer = track(new PartitionedProducer<{ n: number; key?: string }>({ stream, partitions: 4, redis: redis(), registry: new MetricsRegistry() }));
    const keyed = await producer.send({ n: 0, key: 'alice' }, { key: 'alice' });
    assert.equal(keyed.partition, producer.partitionOf('alice'));
    assert.equal(keyed.stream, `${stream}:${keyed.partition}`);
    const rr = await Promise.all(Array.from({ length: 8 }, (_u, i) => producer.send({ n: 1 + i })));
    assert.deepEqual(rr.map((r) => r.partition).sort(), [0, 0, 1, 1, 2, 2, 3, 3], 'round robin');
    const many = await producer.sendMany(Array.from({ length: 591 }, (_u, i) => ({ n: 9 + i, key: i % 3 === 0 ? `k${i % 7}` : undefined })), { key: (item) => item.key });
    assert.equal(many.length, 591);
    many.forEach((r, i) => { if (i % 3 === 0) assert.equal(r.partition, partitionOf(`k${i % 7}`, 4)); });

    const seen = new Map<number, number>();
    const members = ['m1', 'm2'].map((name) => track(new PartitionedConsumer<{ n: number }>({
      stream, partitions: 4, group: 'g', name, redis: redis(), blockMs: 200, registry: new MetricsRegistry(),
      handler: (msg) => { seen.set(msg.data.n, (seen.get(msg.data.n) ?? 0) + 1); },
    })));
    await Promise.all(members.map((m) => m.start()));
    assert.deepEqual(members[0]?.ownedPartitions(), [0, 1, 2, 3]);
    await waitFor(() => seen.size === 600, { deadlineMs: 20_000, description: 'all 600 handled' });
    const admin = track(new Admin({ redis: redis() }));
    await waitFor(async () => (await totalPending(admin, producer.streams, 'g')) === 0, { deadlineMs: 10_000, description: 'pending 0' });
    assert.ok([...seen.values()].every((c) => c === 1));
    await Promise.all(members.map((m) => m.close()));
  });
});

describe('ordered mode', { timeout: 100_000 }, () => {
  it('keeps order per key while a member joins and another is closed mid-way', async (t) => {
    const stream = uniqueName('ordered');
    const partitions = 6;
    const keys = Array.from({ length: 12 }, (_u, i) => `key-${i}`);
    const perKey = 40;
    const group = 'g';
    const producer = track(new PartitionedProducer<{ key: string; seq: number }>({ stream, partitions, redis: redis(), registry: new MetricsRegistry() }));
    const done = new Map<string, number[]>(keys.map((k) => [k, []]));
    const byMember = new Map<string, number>();
    const failedOnce = new Set<string>();
    const events: (PartitionEvent & { member: string })[] = [];
    let maxRunningPerPartition = 0;
    const runningByPartition = new Map<string, number>();

    const member = (name: string) => {
      const consumer = new PartitionedConsumer<{ key: string; seq: number }>({
        stream, partitions, group, name, redis: redis(), ordered: true, leaseTtlMs: 1_500, handoffTimeoutMs: 5_000,
        blockMs: 200, backoff: fixedBackoff(20), maxDeliveries: 5, registry: new MetricsRegistry(),
        handler: async (msg) => {
          const id = `${msg.data.key}/${msg.data.seq}`;
          const partition = msg.stream;
          runningByPartition.set(partition, (runningByPartition.get(partition) ?? 0) + 1);
          maxRunningPerPartition = Math.max(maxRunningPerPartition, runningByPartition.get(partition) ?? 0);
          try {
            await pause(8); // some work, so that handovers happen mid-stream
            if (msg.data.seq % 13 === 5 && !failedOnce.has(id)) {
              failedOnce.add(id);
              throw new Error(`transient failure of ${id}`);
            }
            done.get(msg.data.key)?.push(msg.data.seq);
            byMember.set(name, (byMember.get(name) ?? 0) + 1);
          } finally {
            runningByPartition.set(partition, (runningByPartition.get(partition) ?? 1) - 1);
          }
        },
      });
      consumer.on('partition', (event: PartitionEvent) => events.push({ ...event, member: name }));
      consumer.on('warning', () => undefined);
      return track(consumer);
    };

    const total = keys.length * perKey;
    const handled = () => [...done.values()].reduce((sum, list) => sum + list.length, 0);
    const a = member('member-a');
    await a.start();
    assert.deepEqual(a.ownedPartitions(), [0, 1, 2, 3, 4, 5], 'a lone member owns every partition');
    const sending = (async () => {
      for (let seq = 0; seq < perKey; seq++) {
        await producer.sendMany(keys.map((key) => ({ key, seq })), { key: (item) => item.key });
        await pause(10); // pace the producer so consumption overlaps the handovers
      }
    })();

    await waitFor(() => handled() >= total / 5, { deadlineMs: 30_000, description: 'a fifth handled by member a' });
    const b = member('member-b');
    await b.start();
    await waitFor(() => a.ownedPartitions().length === 3 && b.ownedPartitions().length === 3, { deadlineMs: 15_000, description: 'rebalanced 3 / 3' });
    await waitFor(() => handled() >= total / 2, { deadlineMs: 30_000, description: 'half handled' });
    const handledBeforeClose = handled();
    await a.close();
    await waitFor(() => b.ownedPartitions().length === partitions, { deadlineMs: 15_000, description: 'b owns every partition after a left' });
    await sending;
    await waitFor(() => handled() >= total, { deadlineMs: 60_000, description: `all ${total} handled` });

    for (const key of keys) {
      assert.deepEqual(done.get(key), Array.from({ length: perKey }, (_u, i) => i), `order of ${key}`);
    }
    assert.equal(maxRunningPerPartition, 1, 'one message at a time per partition');
    assert.ok((byMember.get('member-a') ?? 0) > 0 && (byMember.get('member-b') ?? 0) > 0, 'both members worked');
    assert.ok(handledBeforeClose < total, 'a was closed mid-way');
    assert.ok(events.some((e) => e.member === 'member-a' && e.event === 'released'), 'a released partitions to b');
    assert.ok(failedOnce.size > 0, 'some messages failed once and were retried in place');
    const admin = track(new Admin({ redis: redis() }));
    await waitFor(async () => (await totalPending(admin, producer.streams, group)) === 0, { deadlineMs: 10_000, description: 'pending 0' });
    t.diagnostic(`handled by a: ${byMember.get('member-a')}, by b: ${byMember.get('member-b')}; ownership events: ${events.map((e) => `${e.member.slice(-1)}:${e.event}:${e.partition}`).join(' ')}`);
    await b.close();
  });
});
