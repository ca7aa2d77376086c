/**
 * The claim: two schedulers claiming the same tick at once append it once; a claim is never
 * early by Redis's clock and never uses a stale definition; many schedulers in one process send
 * each tick once; upsert keeps the next due time unless the spec changes; remove stops the ticks;
 * Admin and the CLI list and remove schedules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, MetricsRegistry, scheduleKeys, Scheduler, type ScheduleInfo, type TickEvent } from '../../src/index.js';
import { connect, type Connection } from '../../src/connection.js';
import { claimSchedule, type ClaimRequest } from '../../src/scheduler/scripts.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, closeFileRedis, cmd, openFileRedis, xlen, type RawClient } from '../integration/helpers.js';
import { parseJson, runCli } from '../cli/helpers.js';
import { duplicates, gaps, readTicks } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

const scheduler = (bag: Bag, stream: string, extra: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}): Scheduler => {
  const s = new Scheduler({ stream, redis: redis.url, registry: new MetricsRegistry(), pollMs: 200, ...extra });
  s.on('error', (error: Error) => { throw error; });
  return bag.add(s);
};

const opened = async (bag: Bag): Promise<Connection> =>
  bag.add(await connect(redis.url, { onError: () => undefined }));

/** Stores a schedule through a scheduler, then moves its next due time to `dueMs` (as if it were due). */
async function dueSchedule(bag: Bag, stream: string, name: string, dueMs: number): Promise<string> {
  await scheduler(bag, stream).upsert(name, { everyMs: 100 }, { n: name });
  const keys = scheduleKeys(stream);
  await cmd(raw, 'ZADD', keys.next, String(dueMs), name);
  return String(await cmd(raw, 'HGET', keys.revisions, name));
}

const redisNowMs = async (): Promise<number> => {
  const [seconds, micros] = await cmd<[string, string]>(raw, 'TIME');
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

describe('claim script', () => {
  it('two schedulers claiming the same tick at once: one XADD, the other learns the tick is taken (30 rounds)', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('race');
      const [first, second] = [await opened(bag), await opened(bag)];
      const base = Math.floor((await redisNowMs()) / 100) * 100 - 10_000;
      const revision = await dueSchedule(bag, stream, 'r', base);
      for (let round = 0; round < 30; round++) {
        const at = base + round * 100;
        await cmd(raw, 'ZADD', scheduleKeys(stream).next, String(at), 'r');
        const claim: ClaimRequest = { name: 'r', revision, expectedDue: at, nextDue: at + 100, payload: '{"n":"r"}', ticks: [{ at, headers: JSON.stringify({ scheduledAt: new Date(at).toISOString() }) }] };
        const replies = await Promise.all([claimSchedule(first, scheduleKeys(stream), claim), claimSchedule(second, scheduleKeys(stream), claim)]);
        assert.deepEqual(replies.map((r) => r.status).sort(), ['sent', 'taken'], `round ${round}`);
        assert.equal(await xlen(raw, stream), round + 1, `round ${round}: one entry per tick`);
      }
    } finally {
      await bag.closeAll();
    }
  });

  it("never early: a claim for a tick still in the future by Redis's clock appends nothing", async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('early');
      const future = Math.floor((await redisNowMs()) / 100) * 100 + 5_000;
      const revision = await dueSchedule(bag, stream, 'e', future);
      const reply = await claimSchedule(await opened(bag), scheduleKeys(stream), {
        name: 'e', revision, expectedDue: future, nextDue: future + 100, payload: '1', ticks: [{ at: future, headers: '{}' }],
      });
      assert.equal(reply.status, 'early');
      assert.ok(reply.status === 'early' && future - reply.redisNow > 4_000);
      assert.equal(await xlen(raw, stream), 0);
      assert.equal(Number(await cmd(raw, 'ZSCORE', scheduleKeys(stream).next, 'e')), future, 'the next due time did not move');
    } finally {
      await bag.closeAll();
    }
  });

  it('a claim made from an older definition (another revision) appends nothing', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('stale');
      const at = Math.floor((await redisNowMs()) / 100) * 100 - 1_000;
      await dueSchedule(bag, stream, 's', at);
      const reply = await claimSchedule(await opened(bag), scheduleKeys(stream), {
        name: 's', revision: 'not-the-current-one', expectedDue: at, nextDue: at + 100, payload: '1', ticks: [{ at, headers: '{}' }],
      });
      assert.equal(reply.status, 'stale');
      assert.equal(await xlen(raw, stream), 0);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('schedulers in one process', () => {
  it('five started schedulers on one stream (everyMs 50): every tick once, no gaps; close is prompt', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('five');
      const fleet = Array.from({ length: 5 }, () => scheduler(bag, stream));
      await (fleet[0] as Scheduler).upsert('beat', { everyMs: 50 }, 'x', { missed: 'all' });
      await Promise.all(fleet.map((s) => s.start()));
      await waitFor(async () => (await xlen(raw, stream)) >= 30, { deadlineMs: 10_000, description: '30 ticks' });
      const closing = Date.now();
      await Promise.all(fleet.map((s) => s.close()));
      const closeMs = Date.now() - closing;
      assert.ok(closeMs < 1_000, `close took ${closeMs} ms`);
      const entries = await readTicks(raw, stream, 'beat');
      assert.deepEqual(duplicates(entries), []);
      assert.deepEqual(gaps(entries, 50), []);
      const sent = fleet.map((s) => s.metrics.counters.ticksSent);
      assert.equal(sent.reduce((a, b) => a + b, 0), entries.length, `ticksSent per scheduler ${sent.join('/')} add up to the stream`);
    } finally {
      await bag.closeAll();
    }
  });

  it('upsert: the same definition is unchanged; new data keeps the next due time; a new spec restarts it; remove stops the ticks', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('upsert');
      const s = scheduler(bag, stream);
      const ticks: TickEvent[] = [];
      s.on('tick', (tick: TickEvent) => ticks.push(tick));
      const created = await s.upsert('daily', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, { v: 1 }, { headers: { team: 'ops' } });
      assert.equal(created.outcome, 'created');
      assert.equal(new Date(created.nextRunAt as Date).toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' }), '03:00:00');
      assert.deepEqual(await s.upsert('daily', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, { v: 1 }, { headers: { team: 'ops' } }), { ...created, outcome: 'unchanged' });
      assert.deepEqual(await s.upsert('daily', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, { v: 2 }, { missed: 'all' }), { ...created, outcome: 'updated' });
      const moved = await s.upsert('daily', { cron: '0 4 * * *', tz: 'Europe/Berlin' }, { v: 2 });
      assert.equal(moved.outcome, 'updated');
      assert.equal(moved.nextRunAt?.getTime(), (created.nextRunAt as Date).getTime() + 3_600_000, 'a new spec starts from its own next tick');

      await s.upsert('fast', { everyMs: 100 }, { v: 1 });
      await s.start();
      await waitFor(() => ticks.filter((t) => t.schedule === 'fast').length >= 3, { deadlineMs: 10_000, description: '3 ticks of fast' });
      await s.upsert('fast', { everyMs: 100 }, { v: 2 });
      await waitFor(async () => (await readTicks(raw, stream, 'fast')).some((e) => (e.data as { v: number }).v === 2), { deadlineMs: 5_000, description: 'a tick with the new payload' });
      assert.equal(await s.remove('fast'), true);
      const count = (await readTicks(raw, stream, 'fast')).length;
      const quiet = Date.now() + 500;
      await waitFor(() => Date.now() >= quiet, { deadlineMs: 1_000, intervalMs: 50 });
      assert.equal((await readTicks(raw, stream, 'fast')).length, count, 'no tick after remove');
      assert.equal(await s.remove('fast'), false);
      const [daily] = await s.list();
      assert.deepEqual(daily?.data, { v: 2 });
      assert.equal(daily?.missed, 'once');
    } finally {
      await bag.closeAll();
    }
  });
});

describe('Admin and CLI', () => {
  it('Admin.schedules and removeSchedule; streamq schedules list [--json] and remove --yes', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('admin');
      const s = scheduler(bag, stream);
      await s.upsert('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, { job: 'report' }, { missed: 'skip' });
      await s.upsert('beat', { everyMs: 100 }, 1);
      await s.start();
      await waitFor(async () => (await xlen(raw, stream)) >= 2, { deadlineMs: 10_000, description: 'beat ticks' });
      await s.close();
      const admin = bag.add(new Admin({ redis: redis.url }));
      const listed = await admin.schedules(stream);
      assert.deepEqual(listed.map((x) => [x.name, x.spec, x.missed]), [['beat', { everyMs: 100 }, 'once'], ['nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, 'skip']]);
      const beat = listed[0] as ScheduleInfo;
      assert.ok(beat.lastTickAt !== null && beat.nextRunAt !== null && beat.nextRunAt > beat.lastTickAt);
      assert.equal(beat.lastEntryId, (await readTicks(raw, stream, 'beat')).at(-1)?.id);
      assert.equal(listed[1]?.lastTickAt, null);

      const json = parseJson<{ stream: string; schedules: { name: string; nextRunAt: string; missed: string }[] }>(await runCli(['--url', redis.url, '--json', 'schedules', 'list', stream]));
      assert.deepEqual(json.schedules.map((x) => [x.name, x.missed, x.nextRunAt]), listed.map((x) => [x.name, x.missed, x.nextRunAt?.toISOString()]));
      const table = await runCli(['--url', redis.url, 'schedules', 'list', stream]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /nightly\s+cron 0 3 \* \* \* \(Europe\/Berlin\)\s+\S+\s+-\s+skip/);
      const refused = await runCli(['--url', redis.url, 'schedules', 'remove', stream, 'nightly']);
      assert.equal(refused.code, 2, 'remove needs --yes');
      const removed = parseJson<{ removed: boolean }>(await runCli(['--url', redis.url, '--json', 'schedules', 'remove', stream, 'nightly', '--yes']));
      assert.equal(removed.removed, true);
      assert.equal(await admin.removeSchedule(stream, 'beat'), true);
      assert.equal(await admin.removeSchedule(stream, 'beat'), false);
      assert.deepEqual(await admin.schedules(stream), []);
    } finally {
      await bag.closeAll();
    }
  });
});
