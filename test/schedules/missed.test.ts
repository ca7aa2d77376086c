/**
 * Missed ticks: every scheduler of a stream stops for 1 s (everyMs 100, so ~10 ticks fall in the
 * gap), then one starts again. 'skip' sends no catch-up, 'once' sends one (standing for all of
 * them), 'all' sends each of them; afterwards the schedule goes on as before.
 *
 * Entries are split by who appended them: the first scheduler is closed (its claims finished)
 * before the second starts, so entries up to `stoppedAt` are its own and the rest the second's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetricsRegistry, Scheduler, type MissedPolicy } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { closeFileRedis, openFileRedis, xlen, type RawClient } from '../integration/helpers.js';
import { duplicates, gaps, readTicks, type TickEntry } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

const EVERY_MS = 100;
const OUTAGE_MS = 1_000;

/** Runs a scheduler, stops it for {@link OUTAGE_MS}, runs another; returns the entries before and after. */
async function outage(missed: MissedPolicy): Promise<{ before: TickEntry[]; after: TickEntry[]; downFrom: number; downTo: number }> {
  const stream = uniqueName(`missed-${missed}`);
  const make = (): Scheduler => {
    const s = new Scheduler({ stream, redis: redis.url, registry: new MetricsRegistry() });
    s.on('error', (error: Error) => { throw error; });
    return s;
  };
  const first = make();
  await first.upsert('beat', { everyMs: EVERY_MS }, 'x', { missed });
  await first.start();
  await waitFor(async () => (await xlen(raw, stream)) >= 5, { deadlineMs: 10_000, description: '5 ticks' });
  await first.close();
  const downFrom = Date.now();
  await waitFor(() => Date.now() - downFrom >= OUTAGE_MS, { deadlineMs: 2 * OUTAGE_MS, intervalMs: 20 });
  const second = make();
  const downTo = Date.now();
  await second.start();
  const restartedWith = await xlen(raw, stream);
  await waitFor(async () => (await xlen(raw, stream)) >= restartedWith + 5, { deadlineMs: 10_000, description: '5 more ticks' });
  await second.close();
  const entries = await readTicks(raw, stream, 'beat');
  return { before: entries.filter((e) => e.idMs <= downFrom), after: entries.filter((e) => e.idMs > downFrom), downFrom, downTo };
}

/** Ticks due while no scheduler ran: after the last sent one, up to the latest due at restart. */
const missedRange = (run: { before: TickEntry[]; downTo: number }): { first: number; latest: number } => ({
  first: Math.max(...run.before.map((e) => e.at)) + EVERY_MS,
  latest: Math.floor(run.downTo / EVERY_MS) * EVERY_MS,
});

describe('missed ticks after every scheduler was down for 1 s (everyMs 100)', () => {
  it("'skip': no catch-up; the gap stays; ticks resume", async (t) => {
    const run = await outage('skip');
    const { first, latest } = missedRange(run);
    assert.ok(latest - first >= 8 * EVERY_MS, `${(latest - first) / EVERY_MS + 1} ticks were due during the outage`);
    assert.deepEqual(run.after.filter((e) => e.missedFrom !== undefined), [], 'no catch-up');
    const resumed = Math.min(...run.after.map((e) => e.at));
    assert.ok(resumed >= latest, `the first tick after the restart (${resumed - first} ms after the first missed) is the one due at restart or later`);
    assert.deepEqual(duplicates([...run.before, ...run.after]), []);
    t.diagnostic(`${(latest - first) / EVERY_MS} missed ticks dropped (0 catch-ups); resumed at the tick due at restart`);
  });

  it("'once': exactly one catch-up, for the last missed tick, naming the first missed tick in missedFrom", async (t) => {
    const run = await outage('once');
    const { first, latest } = missedRange(run);
    const catchUps = run.after.filter((e) => e.missedFrom !== undefined && e.at < latest);
    assert.equal(catchUps.length, 1, `catch-ups: ${catchUps.map((e) => new Date(e.at).toISOString()).join(', ')}`);
    const [catchUp] = catchUps as [TickEntry];
    assert.equal(catchUp.missedFrom, first);
    assert.ok(catchUp.at >= latest - EVERY_MS, 'it stands for the last missed tick');
    const missedBetween = run.after.filter((e) => e.at >= first && e.at < catchUp.at);
    assert.deepEqual(missedBetween, [], 'nothing else of the missed ticks was sent');
    assert.ok((catchUp.at - first) / EVERY_MS + 1 >= 8, `it stands for ${(catchUp.at - first) / EVERY_MS + 1} missed ticks`);
    assert.deepEqual(duplicates([...run.before, ...run.after]), []);
    t.diagnostic(`1 catch-up standing for ${(catchUp.at - first) / EVERY_MS + 1} missed ticks`);
  });

  it("'all': each missed tick is sent (oldest first, each marked with missedFrom), no gap at all", async (t) => {
    const run = await outage('all');
    const { first, latest } = missedRange(run);
    const catchUps = run.after.filter((e) => e.missedFrom !== undefined && e.at < latest);
    assert.ok(catchUps.length >= 8 && catchUps.length <= 12, `${catchUps.length} catch-ups for a 1 s outage`);
    assert.equal(catchUps[0]?.at, first);
    assert.ok(catchUps.every((e) => e.missedFrom === e.at));
    const all = [...run.before, ...run.after];
    assert.deepEqual(duplicates(all), []);
    assert.deepEqual(gaps(all, EVERY_MS), []);
    t.diagnostic(`${catchUps.length} catch-ups, ${(latest - first) / EVERY_MS} ticks missed`);
  });
});
