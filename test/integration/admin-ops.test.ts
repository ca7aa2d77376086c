/**
 * Admin operations that must hold up in production: malformed dead letters are listed and
 * replayed, never thrown on; "replay/purge all" acts on the dead letters that existed when it
 * started, each once, even while a consumer keeps failing the replays; groups start at '0' by
 * default; consumers can be deleted (not while they hold entries, unless forced) and pruned; and
 * every command has a time limit when Redis stops answering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer, RedisCommandError, streamKeys, TimeoutError } from '../../src/index.js';
import { RedisServer, uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { cmd, closeFileRedis, openFileRedis, rawClient, type RawClient } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
let admin: Admin;
before(async () => {
  ({ redis, raw } = await openFileRedis());
  admin = new Admin({ redis: redis.url });
});
after(async () => {
  await admin.close();
  await closeFileRedis(redis, raw);
});

/** Fails the test if `promise` has not settled within `ms` (a call that loops must not hang the suite). */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};

/** A consumer in group `g` that dead-letters every message at once (msg.term), replays included. */
const failingConsumer = (stream: string): Consumer<unknown> =>
  new Consumer<unknown>({ stream, group: 'g', redis: redis.url, startAt: '0', concurrency: 64, handler: (msg) => msg.term('poison, always') });

describe('dead letters with malformed metadata', () => {
  it('are listed with the unknown fields as null, and replayed with exactly their original fields', async () => {
    const stream = uniqueName('dl-malformed');
    const dead = streamKeys(stream).dead;
    const badAt = await cmd<string>(raw, 'XADD', dead, '*', 'dead.id', '1-1', 'dead.group', 'g', 'dead.reason', 'r', 'dead.deliveries', '2', 'dead.consumer', 'c', 'dead.at', 'nope', 'd', '{"a":1}');
    const noId = await cmd<string>(raw, 'XADD', dead, '*', 'dead.group', 'g', 'dead.reason', 'r', 'dead.deliveries', 'many', 'dead.consumer', 'c', 'dead.at', '1700000000000', 'd', '{"b":2}');
    const bare = await cmd<string>(raw, 'XADD', dead, '*', 'd', '{"c":3}', 'dead.id', 'kept');
    const letters = await admin.deadLetters(stream);
    assert.deepEqual(letters.map((d) => d.id), [badAt, noId, bare]);
    const [a, b, c] = letters;
    assert.deepEqual({ ...a, failedAt: a?.failedAt ?? null }, { id: badAt, originalId: '1-1', group: 'g', reason: 'r', deliveries: 2, consumer: 'c', failedAt: null, priority: null, fields: { d: '{"a":1}' } });
    assert.equal(b?.originalId, null);
    assert.equal(b?.deliveries, null, 'a non-numeric dead.deliveries is unknown, not NaN');
    assert.equal(b?.failedAt?.getTime(), 1_700_000_000_000);
    assert.deepEqual(b?.fields, { d: '{"b":2}' });
    assert.deepEqual(c, { id: bare, originalId: null, group: null, reason: null, deliveries: null, consumer: null, failedAt: null, priority: null, fields: { d: '{"c":3}', 'dead.id': 'kept' } });

    assert.equal(await admin.replayDeadLetters(stream, { ids: [noId, bare] }), 2);
    const entries = await admin.read(stream);
    assert.deepEqual(entries.map((e) => e.fields), [{ d: '{"b":2}' }, { d: '{"c":3}', 'dead.id': 'kept' }], 'each replayed entry holds its original fields, all of them and nothing else');
  });
});

describe('replay and purge of all dead letters', () => {
  it('replays every dead letter that existed at the start exactly once, while a consumer fails each replay at once', async () => {
    const stream = uniqueName('dl-replay-all');
    const N = 1200; // three pages of 500
    const producer = new Producer<unknown>({ stream, redis: redis.url });
    const consumer = failingConsumer(stream);
    try {
      await consumer.start();
      await producer.sendMany(Array.from({ length: N }, (_, n) => ({ n })));
      await waitFor(async () => (await admin.stats(stream)).deadLetters === N, { deadlineMs: 30_000, description: `${N} dead letters` });
      const replayed = await within(admin.replayDeadLetters(stream, { all: true }), 20_000, 'replay all');
      assert.equal(replayed, N);
      // The consumer dead-letters each replay again at once: wait until it has handled them all.
      await waitFor(async () => {
        const stats = await admin.stats(stream);
        return stats.deadLetters === N && stats.groups[0]?.pending === 0 && stats.groups[0]?.lag === 0;
      }, { deadlineMs: 30_000, description: 'the replays dead-lettered again' });
      const entries = await admin.read(stream, { count: 100_000 });
      assert.equal(entries.length, 2 * N, 'the originals and one replay of each, nothing more');
      const copies = new Map<number, number>();
      for (const entry of entries) {
        const { n } = JSON.parse(entry.fields.d ?? 'null') as { n: number };
        copies.set(n, (copies.get(n) ?? 0) + 1);
      }
      assert.deepEqual([...new Set(copies.values())], [2], 'every message: its original and exactly one replay');
    } finally {
      await consumer.close({ timeoutMs: 2000 });
      await producer.close();
    }
  });

  it('purges the dead letters that existed at the start; one added meanwhile stays', async () => {
    const stream = uniqueName('dl-purge-all');
    const dead = streamKeys(stream).dead;
    const N = 1200;
    const multi = raw.multi();
    for (let n = 0; n < N; n++) multi.addCommand(['XADD', dead, '*', 'dead.id', `${n + 1}-0`, 'd', String(n)]);
    await multi.exec();
    // As soon as the purge deletes its first page (its snapshot is taken by then), add one more.
    await cmd(raw, 'CONFIG', 'SET', 'notify-keyspace-events', 'Kt');
    const subscriber = await rawClient(redis.url);
    let late: string | undefined;
    const added = new Promise<void>((resolve) => {
      void subscriber.subscribe(`__keyspace@0__:${dead}`, (event) => {
        if (event !== 'xdel' || late !== undefined) return;
        late = 'pending';
        void cmd<string>(raw, 'XADD', dead, '*', 'dead.id', 'late-0', 'd', 'late').then((id) => { late = id; resolve(); });
      });
    });
    try {
      const purged = await within(admin.purgeDeadLetters(stream, { all: true }), 20_000, 'purge all');
      await within(added, 5_000, 'the late dead letter');
      assert.equal(purged, N, 'exactly the dead letters that existed when the purge started');
      const left = await admin.deadLetters(stream);
      assert.deepEqual(left.map((d) => d.id), [late], 'the dead letter added during the purge stays');
    } finally {
      await subscriber.close();
      await cmd(raw, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });
});

describe('groups and consumers', () => {
  it('createGroup starts at 0 by default (the whole stream), as a Consumer does', async () => {
    const stream = uniqueName('grp-default');
    for (let i = 0; i < 3; i++) await cmd(raw, 'XADD', stream, '*', 'd', String(i));
    assert.equal(await admin.createGroup(stream, 'g'), true);
    const [group] = (await admin.stats(stream)).groups;
    assert.equal(group?.lastDeliveredId, '0-0');
    assert.equal(group?.lag, 3);
  });

  it('deleteConsumer refuses while the consumer holds pending entries (naming the count), unless forced', async () => {
    const stream = uniqueName('del-consumer');
    await admin.createGroup(stream, 'g');
    for (let i = 0; i < 2; i++) await cmd(raw, 'XADD', stream, '*', 'd', String(i));
    await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'busy', 'COUNT', '2', 'STREAMS', stream, '>');
    await cmd(raw, 'XGROUP', 'CREATECONSUMER', stream, 'g', 'idle');
    assert.deepEqual(await admin.deleteConsumer(stream, 'g', 'busy'), { deleted: false, existed: true, pending: 2 });
    assert.deepEqual((await admin.consumers(stream, 'g')).map((c) => c.name).sort(), ['busy', 'idle'], 'refused: still there');
    assert.deepEqual(await admin.deleteConsumer(stream, 'g', 'idle'), { deleted: true, existed: true, pending: 0 });
    assert.deepEqual(await admin.deleteConsumer(stream, 'g', 'busy', { force: true }), { deleted: true, existed: true, pending: 2 });
    assert.deepEqual(await admin.consumers(stream, 'g'), []);
    assert.deepEqual(await admin.deleteConsumer(stream, 'g', 'nobody'), { deleted: false, existed: false, pending: 0 });
    await assert.rejects(admin.deleteConsumer(stream, 'nogroup', 'c'), (error: unknown) => error instanceof RedisCommandError && error.redisCode === 'NOGROUP');
    await assert.rejects(admin.deleteConsumer(uniqueName('none'), 'g', 'c'), (error: unknown) => error instanceof RedisCommandError && error.redisCode === 'NOGROUP');
  });

  it('pruneConsumers deletes consumers idle longer than idleMs that hold nothing, and keeps the others', async () => {
    const stream = uniqueName('prune');
    await admin.createGroup(stream, 'g');
    await cmd(raw, 'XADD', stream, '*', 'd', '1');
    await cmd(raw, 'XGROUP', 'CREATECONSUMER', stream, 'g', 'gone');
    await cmd(raw, 'XREADGROUP', 'GROUP', 'g', 'holder', 'COUNT', '1', 'STREAMS', stream, '>');
    const IDLE_MS = 1500;
    await waitFor(async () => (await admin.consumers(stream, 'g')).every((c) => c.idleMs > IDLE_MS + 500), { deadlineMs: 10_000, description: 'both idle long enough' });
    await cmd(raw, 'XGROUP', 'CREATECONSUMER', stream, 'g', 'fresh');
    assert.deepEqual(await admin.pruneConsumers(stream, 'g', { idleMs: IDLE_MS }), ['gone']);
    assert.deepEqual((await admin.consumers(stream, 'g')).map((c) => c.name).sort(), ['fresh', 'holder'], 'the one holding an entry and the fresh one stay');
    await assert.rejects(admin.pruneConsumers(stream, 'g', { idleMs: -1 }), /Expected `idleMs` to be an integer from 0 and up, got -1/);
  });
});

describe('commandTimeoutMs', () => {
  it('rejects a call with a TimeoutError naming the command when Redis stops answering, then works again', async () => {
    const server = await RedisServer.start();
    const timed = new Admin({ redis: server.url, commandTimeoutMs: 300 });
    const stream = uniqueName('timeout');
    try {
      await timed.createGroup(stream, 'g');
      const pid = server.pid as number;
      process.kill(pid, 'SIGSTOP'); // the socket stays open; Redis just never answers
      try {
        const started = performance.now();
        await assert.rejects(timed.stats(stream), (error: unknown) => {
          assert.ok(error instanceof TimeoutError, String(error));
          assert.match(error.message, /^Redis did not answer (XINFO STREAM|XINFO GROUPS|XLEN|ZCARD) within 300 ms \(commandTimeoutMs\)$/);
          return true;
        });
        const elapsed = performance.now() - started;
        // At the limit, never before it; 1 s of slack for a loaded 2-vCPU machine.
        assert.ok(elapsed >= 295 && elapsed < 1300, `rejected after ${Math.round(elapsed)} ms`);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      assert.equal((await timed.stats(stream)).groups[0]?.name, 'g', 'answers again once Redis does');
      assert.throws(() => new Admin({ commandTimeoutMs: 0 }), /Expected `commandTimeoutMs` to be an integer from 1 and up, got 0/);
    } finally {
      await timed.close();
      await server.stop();
    }
  });
});
