/**
 * The Admin methods the dashboard's views are built on, against a real redis-server: snapshots,
 * delayed messages (list, cancel, run now), pending-entry actions (claim, ack, dead-letter), dead
 * letter search with paging, and server facts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, InvalidOptionError, Producer } from '../../src/index.js';
import { dropStream } from '../cli/helpers.js';
import { rawClient, type RawClient } from '../integration/helpers.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';

let redis: UsedRedis;
let raw: RawClient;
let admin: Admin;
const streams: string[] = [];
const fresh = (prefix: string): string => {
  const name = uniqueName(prefix);
  streams.push(name);
  return name;
};

before(async () => {
  redis = await useRedis();
  raw = await rawClient(redis.url);
  admin = new Admin({ redis: redis.url });
});

after(async () => {
  for (const name of streams) await dropStream(redis.url, name).catch(() => undefined);
  await admin?.close();
  await raw?.close();
  await redis?.close();
});

/** Adds `n` entries and delivers them to `consumer` of `group` (they become pending). */
const deliver = async (stream: string, group: string, consumer: string, n: number): Promise<string[]> => {
  await raw.sendCommand(['XGROUP', 'CREATE', stream, group, '$', 'MKSTREAM']).catch(() => undefined);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(String(await raw.sendCommand(['XADD', stream, '*', 'data', JSON.stringify({ i })])));
  await raw.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(n), 'STREAMS', stream, '>']);
  return ids;
};

describe('Admin.snapshot', () => {
  it('reports entries ever added, the oldest pending entry per group, dead letters and pauses', async () => {
    const stream = fresh('snap');
    const ids = await deliver(stream, 'g', 'c1', 3);
    await admin.createGroup(stream, 'idle', { startAt: '$' });
    await admin.pause(stream, 'idle');
    await admin.deadLetterEntry(stream, 'g', ids[2] as string, { reason: 'by hand' });
    const snap = await admin.snapshot(stream);
    assert.equal(snap.length, 3);
    assert.equal(snap.entriesAdded, 3);
    assert.equal(snap.lastId, ids[2]);
    assert.equal(snap.deadLetters, 1);
    assert.ok(snap.deadLastId, 'the dead-letter stream has a last ID');
    const g = snap.groups.find((x) => x.name === 'g');
    assert.equal(g?.pending, 2);
    assert.equal(g?.oldestPendingId, ids[0]);
    assert.equal(g?.paused, false);
    const idle = snap.groups.find((x) => x.name === 'idle');
    assert.equal(idle?.oldestPendingId, null);
    assert.equal(idle?.paused, true);
    const missing = await admin.snapshot(fresh('snap-none'));
    assert.deepEqual([missing.exists, missing.length, missing.groups, missing.deadLetters, missing.deadLastId], [false, 0, [], 0, null]);
  });
});

describe('Admin delayed messages', () => {
  it('lists them soonest first with due time and fields, cancels one, runs one now', async () => {
    const stream = fresh('delayed');
    const producer = new Producer<{ n: number }>({ stream, redis: redis.url });
    try {
      const late = await producer.send({ n: 2 }, { delayMs: 3_600_000 });
      const soon = await producer.send({ n: 1 }, { delayMs: 600_000, headers: { h: 'v' } });
      const third = await producer.send({ n: 3 }, { delayMs: 7_200_000 });
      const page = await admin.delayed(stream, { count: 2 });
      assert.equal(page.total, 3);
      assert.deepEqual(page.messages.map((m) => m.id), [soon, late]);
      assert.equal(JSON.parse(page.messages[0]?.fields.d ?? 'null').n, 1);
      assert.ok(Math.abs((page.messages[0]?.dueAt.getTime() ?? 0) - (Date.now() + 600_000)) < 60_000, 'due in about 10 minutes');
      assert.deepEqual((await admin.delayed(stream, { offset: 2, count: 2 })).messages.map((m) => m.id), [third]);

      assert.equal(await admin.cancelDelayed(stream, late), true);
      assert.equal(await admin.cancelDelayed(stream, late), false, 'gone already');
      assert.equal(await admin.runDelayedNow(stream, soon), true);
      assert.equal(await admin.runDelayedNow(stream, soon), false);
      const [entry] = await admin.read(stream);
      assert.equal(JSON.parse(entry?.fields.d ?? 'null').n, 1, 'the message is in the stream now');
      assert.deepEqual((await admin.delayed(stream)).messages.map((m) => m.id), [third]);
      await assert.rejects(admin.cancelDelayed(stream, '1-0'), InvalidOptionError);
    } finally {
      await producer.close();
    }
  });
});

describe('Admin pending-entry actions', () => {
  it('claims to another consumer without a delivery, acks, and dead-letters one with the reason', async () => {
    const stream = fresh('pel');
    const ids = await deliver(stream, 'g', 'c1', 3);
    assert.deepEqual(await admin.claim(stream, 'g', [ids[0] as string, '1-1'], 'c2'), [ids[0]]);
    const pending = await admin.pending(stream, 'g');
    assert.deepEqual(pending.map((p) => [p.consumer, p.deliveries]), [['c2', 1], ['c1', 1], ['c1', 1]], 'owner changed, counter not bumped');
    assert.equal(await admin.ack(stream, 'g', [ids[1] as string]), 1);
    assert.equal(await admin.ack(stream, 'g', [ids[1] as string]), 0);
    assert.equal(await admin.deadLetterEntry(stream, 'g', ids[2] as string, { reason: 'stuck <b>' }), 'moved');
    assert.equal(await admin.deadLetterEntry(stream, 'g', ids[2] as string), 'not-pending');
    const [letter] = await admin.deadLetters(stream);
    assert.deepEqual([letter?.originalId, letter?.reason, letter?.consumer, letter?.deliveries], [ids[2], 'stuck <b>', 'c1', 1]);
    assert.deepEqual((await admin.pending(stream, 'g')).map((p) => p.id), [ids[0]]);
    await assert.rejects(admin.ack(stream, 'g', []), /Expected `ids` to be an array of 1 to 10000 entry IDs/);
  });
});

describe('Admin.searchDeadLetters', () => {
  it('finds by reason text and original ID, newest first, in pages bounded by scanLimit', async () => {
    const stream = fresh('search');
    const ids = await deliver(stream, 'g', 'c', 30);
    for (const [i, id] of ids.entries()) await admin.deadLetterEntry(stream, 'g', id, { reason: i % 3 === 0 ? `Timeout after ${i}` : `bad input ${i}` });
    const first = await admin.searchDeadLetters(stream, { reason: 'TIMEOUT', count: 4 });
    assert.deepEqual(first.deadLetters.map((d) => d.reason), ['Timeout after 27', 'Timeout after 24', 'Timeout after 21', 'Timeout after 18']);
    const rest = await admin.searchDeadLetters(stream, { reason: 'timeout', count: 100, before: first.next as string });
    assert.deepEqual(rest.deadLetters.map((d) => d.reason), ['Timeout after 15', 'Timeout after 12', 'Timeout after 9', 'Timeout after 6', 'Timeout after 3', 'Timeout after 0']);
    assert.equal(rest.next, null, 'read to the end');
    const byId = await admin.searchDeadLetters(stream, { originalId: ids[7] as string });
    assert.deepEqual(byId.deadLetters.map((d) => d.originalId), [ids[7]]);
    const bounded = await admin.searchDeadLetters(stream, { reason: 'bad', count: 100, scanLimit: 5 });
    assert.equal(bounded.scanned, 5);
    assert.ok(bounded.next !== null, 'more to read');
    assert.equal(bounded.deadLetters.length, 4, 'of the newest 5 (29..25) all but 27 (a timeout)');
  });
});

describe('Admin.serverInfo', () => {
  it('reports version, role, memory, clients, ops/s, uptime and AOF', async () => {
    const info = await admin.serverInfo();
    assert.match(info.version, /^\d+\.\d+/);
    assert.equal(info.role, 'master');
    assert.ok(info.usedMemory > 0);
    assert.ok(info.clients >= 1);
    assert.ok(info.uptimeSec >= 0);
    assert.equal(typeof info.aof, 'boolean');
  });
});
