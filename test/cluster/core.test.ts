/**
 * Core flows on a local Redis Cluster (3 masters, 3 replicas): Producer, Consumer and Admin given
 * cluster options, an existing cluster client, or a `redis+cluster://` URL; send / sendMany /
 * delayed / dedup sends; consumption with acks, retries and dead letters (replay and purge);
 * deleteOnAck and safe trims; reclaim of a dead consumer's entries. Stream names are plain, with
 * a {tag}, with stray braces and unicode, so every Lua script runs on a cluster node and every
 * auxiliary key is in the stream's slot (or the cluster would answer CROSSSLOT).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCluster } from 'redis';
import { Admin, Consumer, fixedBackoff, MetricsRegistry, Producer, type ConsumerOptions, type Message } from '../../src/index.js';
import { parseRedisUrl } from '../../src/connection.js';
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

const clusterOptions = () => ({ rootNodes: cluster.rootNodes() });

/** Fast consumer settings for tests. */
function consumerOptions<T>(overrides: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'stream' | 'group'>): ConsumerOptions<T> {
  return {
    redis: clusterOptions(), visibilityTimeoutMs: 1000, reclaimIntervalMs: 100, blockMs: 200, backoff: fixedBackoff(30),
    registry: new MetricsRegistry(), ...overrides,
  };
}

function track<T extends { close(): Promise<unknown> }>(thing: T): T {
  closers.push(() => thing.close());
  return thing;
}

/** Total pending entries of a group, per Admin. */
async function pendingOf(admin: Admin, stream: string, group: string): Promise<number> {
  const stats = await admin.stats(stream);
  return stats.groups.find((g) => g.name === group)?.pending ?? -1;
}

describe('connection forms', { timeout: 100_000 }, () => {
  it('parses redis+cluster:// and redis+sentinel:// URLs', () => {
    assert.deepEqual(parseRedisUrl('redis+cluster://u:p%40ss@127.0.0.1:7000,127.0.0.1:7001'), {
      rootNodes: [{ url: 'redis://127.0.0.1:7000' }, { url: 'redis://127.0.0.1:7001' }],
      defaults: { username: 'u', password: 'p@ss' },
    });
    assert.deepEqual(parseRedisUrl('rediss+cluster://h:1'), { rootNodes: [{ url: 'rediss://h:1' }], defaults: { socket: { tls: true } } });
    assert.deepEqual(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2/mymaster'), {
      name: 'mymaster', sentinelRootNodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 6379 }], nodeClientOptions: { password: 'pw' },
    });
    assert.equal(parseRedisUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.throws(() => parseRedisUrl('redis+sentinel://s1:26379'), /master name/);
  });

  it('works with cluster options, a redis+cluster:// URL and an existing cluster client', async () => {
    const stream = uniqueName('forms');
    const url = `redis+cluster://${cluster.rootNodes().map((n) => n.url.replace('redis://', '')).join(',')}`;
    const client = createCluster({ rootNodes: cluster.rootNodes() }); // node-redis defaults: RESP3 replies
    client.on('error', () => undefined);
    await client.connect();
    closers.push(() => client.close());
    for (const redis of [clusterOptions(), url, client]) {
      const producer = track(new Producer({ stream, redis, registry: new MetricsRegistry() }));
      assert.match(await producer.send({ via: typeof redis }), /^\d+-\d+$/);
      await producer.close();
    }
    const admin = track(new Admin({ redis: url }));
    assert.equal((await admin.stats(stream)).length, 3);
    assert.ok((await admin.listStreams()).includes(stream), 'listStreams scans every master');
    // The application's own (RESP3) cluster client for a consumer and an admin too.
    const got: string[] = [];
    const consumer = track(new Consumer<{ via: string }>(consumerOptions({ stream, group: 'g', redis: client, handler: (msg) => { got.push(msg.data.via); } })));
    await consumer.start();
    await waitFor(() => got.length === 3, { deadlineMs: 10_000, description: '3 messages through the existing client' });
    const ownAdmin = new Admin({ redis: client });
    await waitFor(async () => (await pendingOf(ownAdmin, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'pending 0' });
    assert.deepEqual((await ownAdmin.consumers(stream, 'g')).map((c) => c.name), [consumer.name]);
    await ownAdmin.close();
    await consumer.close();
    assert.ok(client.isOpen, 'a client passed in stays open');
  });
});

describe('send, sendMany and consume with acks', { timeout: 100_000 }, () => {
  const names = ['plain', '{tag}.orders', 'a}b{', 'заказы-📦'].map((prefix) => `${prefix}-${uniqueName('s')}`);

  it('uses several slots', () => {
    assert.ok(new Set(names.map(keySlot)).size >= 3);
  });

  for (const stream of names) {
    it(`stream ${JSON.stringify(stream)}`, async () => {
      const producer = track(new Producer<{ n: number }>({ stream, redis: clusterOptions(), batchSize: 100, registry: new MetricsRegistry() }));
      const singles = await Promise.all(Array.from({ length: 50 }, (_u, n) => producer.send({ n })));
      const many = await producer.sendMany(Array.from({ length: 250 }, (_u, i) => ({ n: 50 + i })));
      assert.equal(new Set([...singles, ...many]).size, 300);
      const seen = new Map<number, number>();
      const consumer = track(new Consumer<{ n: number }>(consumerOptions({
        stream, group: 'g', concurrency: 32,
        handler: (msg) => { seen.set(msg.data.n, (seen.get(msg.data.n) ?? 0) + 1); },
      })));
      await consumer.start();
      await waitFor(() => seen.size === 300, { deadlineMs: 20_000, description: 'all 300 handled' });
      await consumer.onIdle();
      const admin = track(new Admin({ redis: clusterOptions() }));
      await waitFor(async () => (await pendingOf(admin, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'pending 0' });
      await consumer.close();
      assert.ok([...seen.values()].every((count) => count === 1), 'each handled once');
    });
  }
});

describe('retries, dead letters, delayed, dedup, deleteOnAck, trim', { timeout: 100_000 }, () => {
  it('retries failing messages, dead-letters poison ones, replays and purges them', async () => {
    const stream = `{shop}.${uniqueName('retry')}`;
    const producer = track(new Producer<{ n: number; poison?: boolean }>({ stream, redis: clusterOptions(), registry: new MetricsRegistry() }));
    await producer.sendMany(Array.from({ length: 40 }, (_u, n) => ({ n, poison: n % 10 === 0 })));
    const attempts = new Map<number, number>();
    const done = new Set<number>();
    const deadLettered: string[] = [];
    const consumer = track(new Consumer<{ n: number; poison?: boolean }>(consumerOptions({
      stream, group: 'g', maxDeliveries: 3,
      handler: (msg: Message<{ n: number; poison?: boolean }>) => {
        const n = msg.data.n;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (msg.data.poison) throw new Error(`poison ${n}`);
        if (n % 2 === 1 && msg.deliveries === 1) throw new Error('first try fails');
        done.add(n);
      },
    })));
    consumer.on('deadLetter', ({ id }: { id: string }) => deadLettered.push(id));
    await consumer.start();
    await waitFor(() => done.size === 36 && deadLettered.length === 4, { deadlineMs: 20_000, description: '36 done, 4 dead letters' });
    for (let n = 1; n < 40; n += 2) assert.ok((attempts.get(n) ?? 0) >= 2, `odd ${n} was retried`);
    const admin = track(new Admin({ redis: clusterOptions() }));
    await waitFor(async () => (await pendingOf(admin, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'pending 0' });
    const dead = await admin.deadLetters(stream);
    assert.equal(dead.length, 4);
    assert.ok(dead.every((d) => /poison/.test(d.reason ?? '') && d.deliveries === 3 && d.group === 'g'));
    // Replay two (they fail again and come back as dead letters), purge the rest.
    const replayed = await admin.replayDeadLetters(stream, { ids: dead.slice(0, 2).map((d) => d.id) });
    assert.equal(replayed, 2);
    await waitFor(() => deadLettered.length === 6, { deadlineMs: 20_000, description: 'replayed poison dead-lettered again' });
    assert.equal(await admin.purgeDeadLetters(stream, { all: true }), 4);
    assert.equal((await admin.stats(stream)).deadLetters, 0);
    await consumer.close();
  });

  it('runs delayed and deduplicated sends, deleteOnAck and a safe trim in the stream slot', async () => {
    const stream = `ü{${uniqueName('misc')}}`;
    const producer = track(new Producer<string>({ stream, redis: clusterOptions(), registry: new MetricsRegistry() }));
    const first = await producer.send('once', { dedupKey: 'k' });
    assert.equal(await producer.send('twice', { dedupKey: 'k' }), first);
    const cancelled = await producer.send('never', { delayMs: 60_000 });
    assert.equal(await producer.cancel(cancelled), true);
    await producer.send('later', { delayMs: 150 });
    const got: string[] = [];
    const consumer = track(new Consumer<string>(consumerOptions({ stream, group: 'g', deleteOnAck: true, delayedPollMs: 20, handler: (msg) => { got.push(msg.data); } })));
    await consumer.start();
    await waitFor(() => got.length === 2, { deadlineMs: 10_000, description: 'dedup + delayed message' });
    assert.deepEqual(got.sort(), ['later', 'once']);
    const admin = track(new Admin({ redis: clusterOptions() }));
    await waitFor(async () => (await admin.stats(stream)).length === 0, { deadlineMs: 10_000, description: 'deleteOnAck removed the entries' });
    await consumer.close();
    await producer.sendMany(['a', 'b', 'c', 'd']);
    assert.equal(await admin.trim(stream, { maxLen: 0 }), 0, 'a safe trim keeps what group g has not read');
    await admin.resetGroup(stream, 'g', '$');
    assert.equal(await admin.trim(stream, { maxLen: 1 }), 3);
  });
});

describe('reclaim', { timeout: 100_000 }, () => {
  it("takes over a dead consumer's pending entries", async () => {
    const stream = uniqueName('reclaim');
    const producer = track(new Producer<{ n: number }>({ stream, redis: clusterOptions(), registry: new MetricsRegistry() }));
    await producer.sendMany(Array.from({ length: 30 }, (_u, n) => ({ n })));
    // A consumer that read 20 entries, then died (never acknowledges).
    const raw = createCluster({ rootNodes: cluster.rootNodes(), RESP: 2 });
    raw.on('error', () => undefined);
    await raw.connect();
    closers.push(() => raw.close());
    await raw.sendCommand(stream, false, ['XGROUP', 'CREATE', stream, 'g', '0']);
    await raw.sendCommand(stream, false, ['XREADGROUP', 'GROUP', 'g', 'dead-one', 'COUNT', '20', 'STREAMS', stream, '>']);
    const admin = track(new Admin({ redis: clusterOptions() }));
    assert.equal((await admin.pending(stream, 'g', { consumer: 'dead-one' })).length, 20);
    const seen = new Set<number>();
    const consumer = track(new Consumer<{ n: number }>(consumerOptions({ stream, group: 'g', name: 'alive', handler: (msg) => { seen.add(msg.data.n); } })));
    await consumer.start();
    await waitFor(() => seen.size === 30, { deadlineMs: 15_000, description: 'all 30 handled, 20 of them reclaimed' });
    assert.ok(consumer.metricsSnapshot().reclaimed >= 20);
    await waitFor(async () => (await pendingOf(admin, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'pending 0' });
    const consumers = await admin.consumers(stream, 'g');
    assert.equal(consumers.find((c) => c.name === 'dead-one')?.pending, 0);
    await consumer.close();
  });
});
