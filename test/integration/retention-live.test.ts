/**
 * Contract 11 — retention, the parts retention.test.ts does not reach: `retention.maxAgeMs` (an
 * entry goes only once it is older than maxAgeMs AND every group acknowledged it; a young entry
 * stays), and producer retention while a live consumer holds pending entries and has unread ones
 * (nothing pending or unread is trimmed, and every message is still handled).
 *
 * The age test runs on its own redis-server with `stream-node-max-entries 1`: the producer trims
 * approximately (`XTRIM … MINID ~`, whole radix-tree nodes), and one entry per node makes that
 * exact, so each entry's fate can be asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer } from '../../src/index.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, uniqueName, type UsedRedis } from '../support/redis-server.js';
import { Bag, cmd, fast, gate, pendingRows, rawClient, xlen, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
let exact: RedisServer;
let exactRaw: RawClient;
before(async () => {
  ({ redis, raw } = await openFileRedis());
  exact = await RedisServer.start({ extraArgs: ['--stream-node-max-entries', '1'] });
  exactRaw = await rawClient(exact.url);
});
after(async () => {
  await exactRaw.close();
  await exact.stop();
  await closeFileRedis(redis, raw);
});

const idTime = (id: string): number => Number(id.split('-')[0]);

async function idsOf(client: RawClient, stream: string): Promise<string[]> {
  return (await cmd<[string, string[]][]>(client, 'XRANGE', stream, '-', '+')).map(([id]) => id);
}

async function readAll(client: RawClient, stream: string, group: string, consumer: string): Promise<string[]> {
  const reply = await cmd<[string, [string, string[]][]][] | null>(client, 'XREADGROUP', 'GROUP', group, consumer, 'COUNT', '1000', 'STREAMS', stream, '>');
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

describe('retention.maxAgeMs', () => {
  it('trims an entry only once it is older than maxAgeMs and every group acknowledged it; a young entry stays', async () => {
    const MAX_AGE_MS = 2_000;
    const bag = new Bag();
    try {
      const stream = uniqueName('max-age');
      await cmd(exactRaw, 'XGROUP', 'CREATE', stream, 'a', '0', 'MKSTREAM');
      await cmd(exactRaw, 'XGROUP', 'CREATE', stream, 'b', '0');
      // Six entries a minute old (explicit IDs), then one added now: "mid", young at first.
      const minuteAgo = Date.now() - 60_000;
      const old: string[] = [];
      for (let i = 0; i < 6; i++) old.push(await cmd<string>(exactRaw, 'XADD', stream, `${minuteAgo}-${i}`, 'd', `"old ${i}"`));
      const mid = await cmd<string>(exactRaw, 'XADD', stream, '*', 'd', '"mid"');
      // Group a acknowledges everything; group b everything but old 3–5 (still pending in b).
      assert.deepEqual(await readAll(exactRaw, stream, 'a', 'ca'), [...old, mid]);
      await cmd(exactRaw, 'XACK', stream, 'a', ...old, mid);
      assert.deepEqual(await readAll(exactRaw, stream, 'b', 'cb'), [...old, mid]);
      await cmd(exactRaw, 'XACK', stream, 'b', ...old.slice(0, 3), mid);

      const producer = bag.add(new Producer<string>({ stream, redis: exact.url, retention: { maxAgeMs: MAX_AGE_MS, trimIntervalMs: 0 } }));
      const producerErrors: Error[] = [];
      producer.on('error', (error: Error) => producerErrors.push(error));
      const young: string[] = [];

      // Phase 1: old 0–2 go (old, acknowledged by both); old 3–5 stay (pending in b), and so does
      // everything after them, however old.
      await waitFor(async () => {
        young.push(await producer.send('young'));
        return !(await idsOf(exactRaw, stream)).includes(old[2] as string);
      }, { deadlineMs: 5_000, intervalMs: 20, description: 'old 0–2 to be trimmed' });
      assert.deepEqual(await idsOf(exactRaw, stream), [...old.slice(3), mid, ...young], 'pending entries (and all after them) stay');

      // Phase 2: b acknowledges old 3–5. They go at the next send; mid goes only once older than
      // maxAgeMs. Each probe records whether mid was there and when it looked (before the send).
      await cmd(exactRaw, 'XACK', stream, 'b', ...old.slice(3));
      const looks: { at: number; ids: string[] }[] = [];
      await waitFor(async () => {
        const at = Date.now();
        const ids = await idsOf(exactRaw, stream);
        looks.push({ at, ids });
        if (ids.includes(mid)) young.push(await producer.send('young'));
        return !ids.includes(mid);
      }, { deadlineMs: MAX_AGE_MS + 5_000, intervalMs: 20, description: 'mid to age out' });

      const midDue = idTime(mid) + MAX_AGE_MS;
      const goneAt = (looks.find((look) => !look.ids.includes(mid)) as { at: number }).at;
      const lastSeen = Math.max(...looks.filter((look) => look.ids.includes(mid)).map((look) => look.at));
      assert.ok(goneAt >= midDue, `mid was trimmed ${midDue - goneAt} ms before it was maxAgeMs old`);
      // Sends come every ~20 ms and each may trim (trimIntervalMs: 0); 1.5 s of margin for a busy machine.
      assert.ok(goneAt <= midDue + 1_500, `mid was still there ${goneAt - midDue} ms after it was due`);
      const youngLooks = looks.filter((look) => look.at < midDue - 200);
      assert.ok(youngLooks.length > 0, 'mid was observed while young (raise MAX_AGE_MS if the machine is this slow)');
      assert.ok(youngLooks.every((look) => look.ids.includes(mid)), 'a young entry was trimmed');
      assert.ok(youngLooks.some((look) => !look.ids.includes(old[5] as string)), 'old 3–5 went at once after the last ack');
      assert.ok(lastSeen < goneAt);

      // Every young entry is still there (none is maxAgeMs old yet, except possibly the first ones).
      const final = await idsOf(exactRaw, stream);
      const stillYoung = young.filter((id) => idTime(id) > Date.now() - MAX_AGE_MS + 200);
      assert.ok(stillYoung.length > 0);
      for (const id of stillYoung) assert.ok(final.includes(id), `young entry ${id} was trimmed`);
      assert.ok(!final.some((id) => old.includes(id)), 'the acknowledged old entries are gone');
      assert.deepEqual(producerErrors, []);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('producer retention with a live consumer', () => {
  it('never trims what a running consumer holds pending or has not read yet; everything is handled', async () => {
    const bag = new Bag();
    const hold = gate();
    bag.defer(() => hold.open());
    try {
      const stream = uniqueName('retention-live');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url, retention: { maxLen: 0, maxAgeMs: 1, trimIntervalMs: 0 } }));
      const producerErrors: Error[] = [];
      producer.on('error', (error: Error) => producerErrors.push(error));
      const handled = new Map<number, number>();
      const HELD = 1_000; // messages from this number on block until released
      const consumer = bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', concurrency: 4, visibilityTimeoutMs: 30_000,
        handler: async (msg) => {
          if (msg.data >= HELD) await hold.promise;
          handled.set(msg.data, (handled.get(msg.data) ?? 0) + 1);
        },
      }), (c) => c.close({ timeoutMs: 2_000 }));
      await consumer.start();

      // 300 messages handled and acknowledged: history retention may remove.
      for (let i = 0; i < 300; i++) await producer.send(i);
      await waitFor(() => handled.size === 300, { deadlineMs: 10_000, description: '300 handled' });
      // Four held (pending, handlers running), then 300 more the consumer cannot read yet.
      for (let i = 0; i < 4; i++) await producer.send(HELD + i);
      const holding = await waitFor(async () => {
        const rows = await pendingRows(raw, stream, 'g');
        return rows.length === 4 ? rows.map((row) => row.id) : undefined;
      }, { deadlineMs: 5_000, description: 'four held entries' });
      const unread: string[] = [];
      for (let i = 0; i < 300; i++) unread.push(await producer.send(HELD + 4 + i));

      // Each of those sends ran a safe trim with maxLen 0 and a 1 ms age: the acknowledged history
      // is gone (approximately: whole nodes), the held and unread entries all remain.
      const length = await waitFor(async () => {
        await producer.send(HELD + 10_000);
        const n = await xlen(raw, stream);
        return n <= 4 + 300 + 100 + 50 ? n : undefined;
      }, { deadlineMs: 5_000, description: 'the acknowledged history to be trimmed' });
      const present = new Set(await idsOf(raw, stream));
      for (const id of [...holding, ...unread]) assert.ok(present.has(id), `${id} was trimmed while pending or unread`);
      assert.ok(length < 300 + 4 + 300, `nothing was trimmed (${length} entries)`);

      hold.open();
      await waitFor(async () => handled.size >= 300 + 4 + 300 && (await pendingRows(raw, stream, 'g')).length === 0,
        { deadlineMs: 15_000, description: 'everything handled' });
      for (let i = 0; i < 300; i++) assert.equal(handled.get(i), 1, `message ${i}`);
      for (let i = HELD; i < HELD + 304; i++) assert.equal(handled.get(i), 1, `message ${i} was trimmed before it was handled`);
      assert.deepEqual(producerErrors, []);
    } finally {
      await bag.closeAll();
    }
  });
});
