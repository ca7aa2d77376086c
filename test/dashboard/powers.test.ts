/**
 * The dashboard's views of priority levels, rate limits and per-key concurrency, through its JSON
 * API against a real redis-server: a stream with levels made by a Producer with `priorities`
 * (the stream page and the overview count every level; each level has its own figures; dead
 * letters carry their level), and a stream whose groups have a rate limit (group and per key), a
 * per-key concurrency with handlers running, and none (paused): `/api/streams/:s/limits`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, PartitionedConsumer, PartitionedProducer, Producer, UnrecoverableError, type Message } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { levelStream } from '../../src/priorities.js';
import { dropStream } from '../cli/helpers.js';
import { rawClient, type RawClient } from '../integration/helpers.js';
import { waitFor } from '../support/poll.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { request } from './helpers.js';

const LEVELS = ['high', 'default', 'low'];
let redis: UsedRedis;
let raw: RawClient;
let admin: Admin;
let dashboard: Dashboard;
const streams: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
const fresh = (prefix: string): string => {
  const name = uniqueName(prefix);
  streams.push(name);
  return name;
};

before(async () => {
  redis = await useRedis();
  raw = await rawClient(redis.url);
  admin = new Admin({ redis: redis.url });
  dashboard = await startDashboard({ admin, port: 0, sampleIntervalMs: 60_000 });
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await dashboard?.close();
  for (const name of streams) await dropStream(redis.url, name).catch(() => undefined);
  await admin?.close();
  await raw?.close();
  await redis?.close();
});

const get = async <T>(path: string): Promise<T> => {
  const res = await request(dashboard.url, path);
  assert.equal(res.status, 200, `${path}: ${res.text}`);
  return res.json<T>();
};
const enc = encodeURIComponent;

interface Group { name: string; consumers: number; pending: number; lag: number | null; entriesRead: number | null; oldestPendingId: string | null; paused: boolean }
interface Level { level: string; stream: string; exists: boolean; length: number; groups: Group[]; delayed: number }
interface Snapshot { exists: boolean; length: number; groups: Group[]; delayed: number; deadLetters: number; priorities?: Level[] }

describe('priority levels in the dashboard', () => {
  it('the stream page sums every level and lists each; the overview row counts every level; dead letters carry their level', async () => {
    const stream = fresh('dash-levels');
    const producer = new Producer<{ n: number; poison?: boolean }>({ stream, redis: redis.url, priorities: LEVELS });
    closers.push(() => producer.close());
    const poison = await producer.send({ n: 0, poison: true }, { priority: 'high' });
    await producer.sendMany([{ n: 1 }, { n: 2 }, { n: 3 }], { priority: 'high' });
    await producer.sendMany([1, 2, 3, 4, 5].map((n) => ({ n })));
    await producer.sendMany([{ n: 6 }, { n: 7 }], { priority: 'low' });
    await producer.send({ n: 8 }, { priority: 'low', delayMs: 3_600_000 });

    // A consumer of every level that dead-letters the poison message (of the high level).
    const consumer = new Consumer<{ n: number; poison?: boolean }>({
      stream, group: 'dlq', redis: redis.url, priorities: LEVELS,
      handler: async (msg) => { if (msg.data.poison) throw new UnrecoverableError('poison'); },
    });
    await consumer.start();
    await waitFor(async () => (await admin.stats(stream)).deadLetters === 1 || undefined, { deadlineMs: 15_000, description: 'the poison message dead-lettered' });
    await waitFor(async () => (await admin.stats(stream)).priorities?.every((l) => l.groups.every((g) => g.pending === 0 && g.lag === 0)) || undefined,
      { deadlineMs: 15_000, description: 'dlq done with every level' });
    await consumer.close();
    // Group g: 2 entries of high and 1 of low delivered and pending; the rest not yet delivered.
    for (const level of LEVELS) await raw.sendCommand(['XGROUP', 'CREATE', levelStream(stream, level), 'g', '0']);
    await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', levelStream(stream, 'high'), '>']);
    await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', levelStream(stream, 'low'), '>']);

    const own = await admin.snapshot(stream);
    assert.equal(own.length, 5, 'Admin.snapshot: the top level is the default level, as in Admin.stats');
    assert.deepEqual(own.priorities?.map((l) => [l.level, l.stream, l.length, l.delayed]),
      [['high', levelStream(stream, 'high'), 4, 0], ['default', stream, 5, 0], ['low', levelStream(stream, 'low'), 2, 1]]);

    const snap = await get<Snapshot>(`/api/streams/${enc(stream)}`);
    assert.equal(snap.length, 11, 'the page: 4 high + 5 default + 2 low');
    assert.equal(snap.delayed, 1, "the low level's delayed message");
    assert.equal(snap.deadLetters, 1);
    const g = snap.groups.find((x) => x.name === 'g');
    assert.deepEqual([g?.pending, g?.lag, g?.entriesRead, g?.consumers], [3, 8, 3, 1], 'g summed over the levels (consumers: the same on every level)');
    assert.equal(g?.oldestPendingId, poison, 'the oldest pending entry of any level (the poison was read first by g too)');
    assert.deepEqual(snap.groups.map((x) => x.name).sort(), ['dlq', 'g'], 'one row per group, not one per level');
    assert.deepEqual(snap.priorities?.map((l) => [l.level, l.length, l.groups.find((x) => x.name === 'g')?.pending, l.groups.find((x) => x.name === 'g')?.lag]),
      [['high', 4, 2, 2], ['default', 5, 0, 5], ['low', 2, 1, 1]], 'each level with its own figures');

    // A dashboard started now: its first sample (which the first overview request waits for) sees the stream.
    const latest = await startDashboard({ admin, port: 0, sampleIntervalMs: 60_000 });
    const overview = await request(latest.url, '/api/overview').finally(() => latest.close())
      .then((res) => res.json<{ streams: { stream: string; length?: number; pending?: number; worstLag?: number | null; delayed?: number }[] }>());
    const row = overview.streams.find((r) => r.stream === stream);
    assert.deepEqual([row?.length, row?.pending, row?.worstLag, row?.delayed], [11, 3, 8, 1], 'the overview row counts every level');
    assert.equal(overview.streams.some((r) => r.stream === levelStream(stream, 'high')), false, 'a level is not a row of its own');

    const letters = await get<{ deadLetters: { originalId: string; priority: string | null }[] }>(`/api/streams/${enc(stream)}/dead-letters`);
    assert.deepEqual(letters.deadLetters.map((d) => [d.originalId, d.priority]), [[poison, 'high']]);
  });

  it('a stream with levels where nothing was sent to the default level still has a page', async () => {
    const stream = fresh('dash-levels-high');
    const producer = new Producer<number>({ stream, redis: redis.url, priorities: LEVELS });
    closers.push(() => producer.close());
    await producer.send(1, { priority: 'high' });
    const snap = await get<Snapshot>(`/api/streams/${enc(stream)}`);
    assert.deepEqual([snap.exists, snap.length, snap.priorities?.map((l) => l.exists)], [true, 1, [true, false, false]]);
  });

  it('a stream without levels has no priorities', async () => {
    const stream = fresh('dash-no-levels');
    await raw.sendCommand(['XADD', stream, '*', 'd', '1']);
    const snap = await get<Snapshot>(`/api/streams/${enc(stream)}`);
    assert.deepEqual([snap.length, snap.priorities], [1, undefined]);
  });
});

interface RateLimitState { group: { max: number; perMs: number; used: number } | null; perKey: { max: number; perMs: number; activeKeys: number; top: { key: string; used: number }[] } | null }
interface KeyConcurrency { limit: number | null; keys: { key: string; holders: { id: string; stream: string; consumer: string; expiresInMs: number }[] }[] }
interface GroupLimits { group: string; paused: boolean; rateLimit?: RateLimitState; keyConcurrency?: KeyConcurrency; error?: unknown }
interface Limits { stream: string; scope: string; groups: GroupLimits[] }

const tenant = (msg: Message<unknown>): string | undefined => msg.headers.tenant;

describe('rate limits and per-key concurrency in the dashboard', () => {
  it('lists, for each group, its rate-limit use, its running key slots, or that it has none', async () => {
    const stream = fresh('dash-limits');
    await admin.createGroup(stream, 'plain', { startAt: '$' });
    await admin.pause(stream, 'plain');
    const producer = new Producer<number>({ stream, redis: redis.url });
    closers.push(() => producer.close());
    const ids: string[] = [];
    for (const [i, t] of ['a', 'b', 'a', 'b', 'a', 'b'].entries()) ids.push(await producer.send(i, { headers: { tenant: t } }));

    let rateStarts = 0;
    const limited = new Consumer<number>({
      stream, group: 'rl', name: 'rl-1', redis: redis.url,
      rateLimit: [{ max: 3, perMs: 60_000 }, { max: 2, perMs: 60_000, key: tenant }],
      handler: async () => { rateStarts++; },
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const running = new Set<string>();
    const slots = new Consumer<number>({
      stream, group: 'pk', name: 'pk-1', redis: redis.url, groupBy: tenant, perKeyConcurrency: 1, visibilityTimeoutMs: 30_000,
      handler: async (msg) => { running.add(msg.id); await released; },
    });
    closers.push(async () => { release(); await slots.close(); await limited.close(); });
    await Promise.all([limited.start(), slots.start()]);
    await waitFor(() => (rateStarts === 3 && running.size === 2) || undefined, { deadlineMs: 15_000, description: '3 rate-limited starts and 2 key slots taken' });

    const limits = await get<Limits>(`/api/streams/${enc(stream)}/limits`);
    assert.equal(limits.scope, stream, 'the stream is its own scope by default');
    const byGroup = new Map(limits.groups.map((g) => [g.group, g]));
    assert.deepEqual([...byGroup.keys()].sort(), ['pk', 'plain', 'rl']);

    const plain = byGroup.get('plain');
    assert.deepEqual(plain, { group: 'plain', paused: true, pausedUntil: null, rateLimit: { group: null, perKey: null }, keyConcurrency: { limit: null, keys: [] } }, 'none configured, paused');

    const rl = byGroup.get('rl')?.rateLimit;
    assert.deepEqual(rl?.group, { max: 3, perMs: 60_000, used: 3 }, 'the group window is full');
    assert.deepEqual([rl?.perKey?.max, rl?.perKey?.perMs, rl?.perKey?.activeKeys], [2, 60_000, 2]);
    assert.equal(rl?.perKey?.top.reduce((s, k) => s + k.used, 0), 3, 'the busiest keys account for every start');
    assert.ok(rl?.perKey?.top.every((k) => (k.key === 'a' || k.key === 'b') && k.used <= 2), JSON.stringify(rl?.perKey?.top));
    assert.deepEqual(rl, await admin.rateLimitState(stream, 'rl'), 'what Admin.rateLimitState reports (a 60 s window: nothing moves meanwhile)');

    const pk = byGroup.get('pk')?.keyConcurrency;
    assert.equal(pk?.limit, 1);
    assert.deepEqual(pk?.keys.map((k) => [k.key, k.holders.map((h) => [h.id, h.consumer, h.stream])]),
      [['a', [[ids[0], 'pk-1', stream]]], ['b', [[ids[1], 'pk-1', stream]]]], 'the first message of each key holds its slot');
    assert.ok(pk?.keys.every((k) => k.holders.every((h) => h.expiresInMs > 0 && h.expiresInMs <= 30_000)), 'time left within the visibility timeout');
    assert.deepEqual(byGroup.get('pk')?.rateLimit, { group: null, perKey: null });
    assert.deepEqual(byGroup.get('rl')?.keyConcurrency, { limit: null, keys: [] });

    assert.equal((await get<Limits>(`/api/streams/${enc(stream)}/limits?top=1`)).groups.find((g) => g.group === 'rl')?.rateLimit?.perKey?.top.length, 1, 'top');
    assert.equal((await request(dashboard.url, `/api/streams/${enc(stream)}/limits?top=0`)).status, 400);
    assert.equal((await request(dashboard.url, `/api/streams/${enc(stream)}/limits?scope=${'x'.repeat(1001)}`)).status, 400);
    assert.deepEqual(await get<Limits>(`/api/streams/${enc(fresh('dash-limits-none'))}/limits`), { stream: streams.at(-1), scope: streams.at(-1), groups: [] });
  });

  it('reads the limits of another scope: a partition shows its partitioned stream\'s', async () => {
    const stream = fresh('dash-parts');
    streams.push(`${stream}:0`, `${stream}:1`);
    const producer = new PartitionedProducer<number>({ stream, partitions: 2, redis: redis.url });
    closers.push(() => producer.close());
    for (let i = 0; i < 4; i++) await producer.send(i, { key: `k${i}` });
    let starts = 0;
    const consumer = new PartitionedConsumer<number>({
      stream, partitions: 2, group: 'pc', redis: redis.url, rateLimit: { max: 2, perMs: 60_000 },
      handler: async () => { starts++; },
    });
    closers.push(() => consumer.close());
    await consumer.start();
    await waitFor(() => starts === 2 || undefined, { deadlineMs: 15_000, description: '2 starts' });
    const own = await get<Limits>(`/api/streams/${enc(`${stream}:0`)}/limits`);
    assert.deepEqual(own.groups.map((g) => [g.group, g.rateLimit?.group]), [['pc', null]], "the partition's own scope has no limit");
    const scoped = await get<Limits>(`/api/streams/${enc(`${stream}:0`)}/limits?scope=${enc(stream)}`);
    assert.equal(scoped.scope, stream);
    assert.deepEqual(scoped.groups.map((g) => [g.group, g.rateLimit?.group]), [['pc', { max: 2, perMs: 60_000, used: 2 }]]);
  });
});
