/**
 * Schedules without Redis: the tick times of cron specs across DST changes (Europe/Berlin,
 * America/New_York, and Lord Howe's 30-minute shift), interval ticks, the missed-tick plans,
 * and option validation (typed errors naming the problem, before anything is sent).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodeError, InvalidOptionError, MAX_TICKS_PER_CLAIM, MetricsRegistry, Scheduler } from '../../src/index.js';
import { planClaim } from '../../src/scheduler/plan.js';
import { timetable, type Timetable } from '../../src/scheduler/spec.js';

const ms = (iso: string): number => Date.parse(iso);
const isos = (values: (number | null)[]): (string | null)[] => values.map((v) => (v === null ? null : new Date(v).toISOString()));

/** The first `n` ticks strictly after `fromIso`. */
function ticks(table: Timetable, fromIso: string, n: number): (string | null)[] {
  const out: (number | null)[] = [];
  let at: number | null = ms(fromIso);
  for (let i = 0; i < n && at !== null; i++) out.push((at = table.after(at)));
  return isos(out);
}

/** Every tick in [startIso, endIso). */
function ticksBetween(table: Timetable, startIso: string, endIso: string): string[] {
  const out: string[] = [];
  for (let at = table.after(ms(startIso) - 1); at !== null && at < ms(endIso); at = table.after(at)) out.push(new Date(at).toISOString());
  return out;
}

describe('cron ticks across DST changes', () => {
  it("Europe/Berlin '30 2 * * *': once on the spring-forward day (at 03:00, the gap's end), once on the fall-back day (the first 02:30)", () => {
    const table = timetable({ cron: '30 2 * * *', tz: 'Europe/Berlin' });
    // 2025-03-30 02:00 CET → 03:00 CEST: 02:30 does not exist.
    assert.deepEqual(ticks(table, '2025-03-28T12:00:00Z', 3), ['2025-03-29T01:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z']);
    // 2025-10-26 03:00 CEST → 02:00 CET: 02:30 happens twice (00:30Z and 01:30Z); it runs once.
    assert.deepEqual(ticks(table, '2025-10-24T12:00:00Z', 3), ['2025-10-25T00:30:00.000Z', '2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']);
    assert.equal(table.after(ms('2025-10-26T00:30:00Z')), ms('2025-10-27T01:30:00Z'), 'not again in the repeated hour');
  });

  it("Europe/Berlin '0 * * * *': every real hour — 23 ticks on the spring-forward day, 25 on the fall-back day (02:00 twice)", () => {
    const table = timetable({ cron: '0 * * * *', tz: 'Europe/Berlin' });
    assert.equal(ticksBetween(table, '2025-03-29T23:00:00Z', '2025-03-30T22:00:00Z').length, 23);
    const fallBack = ticksBetween(table, '2025-10-25T22:00:00Z', '2025-10-26T23:00:00Z');
    assert.equal(fallBack.length, 25);
    assert.deepEqual(fallBack.slice(1, 5), ['2025-10-25T23:00:00.000Z', '2025-10-26T00:00:00.000Z', '2025-10-26T01:00:00.000Z', '2025-10-26T02:00:00.000Z']);
    for (let i = 1; i < fallBack.length; i++) assert.equal(ms(fallBack[i] as string) - ms(fallBack[i - 1] as string), 3_600_000);
  });

  it("America/New_York '30 2 * * *' and '30 1 * * *' on 2025-03-09 and 2025-11-02", () => {
    const twoThirty = timetable({ cron: '30 2 * * *', tz: 'America/New_York' });
    assert.deepEqual(ticks(twoThirty, '2025-03-07T12:00:00Z', 3), ['2025-03-08T07:30:00.000Z', '2025-03-09T07:00:00.000Z', '2025-03-10T06:30:00.000Z']);
    // Fall-back repeats 01:00–02:00, so 02:30 (EST) happens once.
    assert.deepEqual(ticks(twoThirty, '2025-10-31T12:00:00Z', 3), ['2025-11-01T06:30:00.000Z', '2025-11-02T07:30:00.000Z', '2025-11-03T07:30:00.000Z']);
    const oneThirty = timetable({ cron: '30 1 * * *', tz: 'America/New_York' });
    assert.deepEqual(ticks(oneThirty, '2025-11-01T12:00:00Z', 2), ['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z'], '01:30 EDT only, not 01:30 EST');
  });

  it("America/New_York '0 * * * *' across the fall-back hour: 01:00 EDT and 01:00 EST both tick", () => {
    const table = timetable({ cron: '0 * * * *', tz: 'America/New_York' });
    assert.deepEqual(ticks(table, '2025-11-02T03:30:00Z', 4), ['2025-11-02T04:00:00.000Z', '2025-11-02T05:00:00.000Z', '2025-11-02T06:00:00.000Z', '2025-11-02T07:00:00.000Z']);
  });

  it("Australia/Lord_Howe (a 30-minute shift) '0 2 * * *': the day of the gap still ticks once, at 02:30", () => {
    const table = timetable({ cron: '0 2 * * *', tz: 'Australia/Lord_Howe' });
    // 2025-10-05 02:00 (+10:30) → 02:30 (+11).
    assert.deepEqual(ticks(table, '2025-10-03T12:00:00Z', 3), ['2025-10-03T15:30:00.000Z', '2025-10-04T15:30:00.000Z', '2025-10-05T15:00:00.000Z']);
  });

  it('before/atOrBefore agree with after across a fall-back day (the runner relies on them for missed ticks)', () => {
    const table = timetable({ cron: '*/20 * * * *', tz: 'Europe/Berlin' });
    const all = ticksBetween(table, '2025-10-25T22:00:00Z', '2025-10-26T04:00:00Z').map(ms);
    for (let i = 1; i < all.length; i++) {
      assert.equal(table.before(all[i] as number), all[i - 1]);
      assert.equal(table.atOrBefore(all[i] as number), all[i]);
      assert.equal(table.atOrBefore((all[i] as number) - 1), all[i - 1]);
    }
  });

  it('a time zone is read by its IANA name, canonicalized; the default is UTC', () => {
    assert.deepEqual(timetable({ cron: '0 3 * * *', tz: 'europe/berlin' }).spec, { cron: '0 3 * * *', tz: 'Europe/Berlin' });
    assert.deepEqual(timetable({ cron: '0 3 * * *' }).spec, { cron: '0 3 * * *', tz: 'UTC' });
    assert.equal(timetable({ cron: '0 3 * * *' }).after(ms('2025-01-01T00:00:00Z')), ms('2025-01-01T03:00:00Z'));
  });
});

describe('interval ticks', () => {
  it('fall on multiples of everyMs since the epoch, so every process computes the same ticks', () => {
    const table = timetable({ everyMs: 60_000 });
    assert.equal(table.after(ms('2025-01-01T00:00:30.123Z')), ms('2025-01-01T00:01:00Z'));
    assert.equal(table.after(ms('2025-01-01T00:01:00Z')), ms('2025-01-01T00:02:00Z'), 'strictly after');
    assert.equal(table.atOrBefore(ms('2025-01-01T00:01:00Z')), ms('2025-01-01T00:01:00Z'));
    assert.equal(table.before(ms('2025-01-01T00:01:00Z')), ms('2025-01-01T00:00:00Z'));
  });
});

describe('missed-tick plans', () => {
  const every = timetable({ everyMs: 100 });

  it('nothing is planned before the due time; one tick when only it is due', () => {
    assert.equal(planClaim(every, 'once', 1_000, 999), null);
    assert.deepEqual(planClaim(every, 'once', 1_000, 1_000), { ticks: [{ at: 1_000 }], nextDue: 1_100 });
    assert.deepEqual(planClaim(every, 'skip', 1_000, 1_099), { ticks: [{ at: 1_000 }], nextDue: 1_100 }, 'late by less than one interval is late, not missed');
  });

  it("after an outage (ticks 1000…1900 due, 1000…1800 missed): 'skip' sends the latest only, 'once' one catch-up and the latest, 'all' each", () => {
    assert.deepEqual(planClaim(every, 'skip', 1_000, 1_950), { ticks: [{ at: 1_900 }], nextDue: 2_000 });
    assert.deepEqual(planClaim(every, 'once', 1_000, 1_950), { ticks: [{ at: 1_800, missedFrom: 1_000 }, { at: 1_900 }], nextDue: 2_000 });
    const all = planClaim(every, 'all', 1_000, 1_950);
    assert.deepEqual(all?.ticks.map((t) => t.at), [1_000, 1_100, 1_200, 1_300, 1_400, 1_500, 1_600, 1_700, 1_800, 1_900]);
    assert.ok(all?.ticks.slice(0, -1).every((t) => t.missedFrom === t.at));
    assert.equal(all?.ticks.at(-1)?.missedFrom, undefined);
    assert.equal(all?.nextDue, 2_000);
  });

  it(`'all' sends at most ${MAX_TICKS_PER_CLAIM} per claim and leaves the rest due`, () => {
    const plan = planClaim(every, 'all', 0, 1_000_000);
    assert.equal(plan?.ticks.length, MAX_TICKS_PER_CLAIM);
    assert.equal(plan?.nextDue, MAX_TICKS_PER_CLAIM * 100, 'the next claim starts at the first tick not sent');
  });

  it('a long outage of a fine cron is planned without walking every missed tick', () => {
    const table = timetable({ cron: '* * * * * *' });
    const started = performance.now();
    const plan = planClaim(table, 'once', ms('2025-01-01T00:00:00Z'), ms('2025-01-31T00:00:00.500Z'));
    assert.ok(performance.now() - started < 1_000);
    assert.deepEqual(isos(plan?.ticks.map((t) => t.at) ?? []), ['2025-01-30T23:59:59.000Z', '2025-01-31T00:00:00.000Z']);
    assert.equal(plan?.ticks[0]?.missedFrom, ms('2025-01-01T00:00:00Z'));
  });
});

describe('validation', () => {
  const offline = { stream: 'validation', redis: 'redis://127.0.0.1:1', registry: new MetricsRegistry() };
  const refuses = async (promise: Promise<unknown>, pattern: RegExp, type: new (...args: never[]) => Error = InvalidOptionError): Promise<void> => {
    await assert.rejects(promise, (error: Error) => {
      assert.ok(error instanceof type, `${error.name}: ${error.message}`);
      assert.match(error.message, pattern);
      return true;
    });
  };

  it('constructor options: unknown keys (with a suggestion), ranges, the stream', () => {
    assert.throws(() => new Scheduler({ ...offline, pollMS: 5 } as never), /^InvalidOptionError: Unknown option `pollMS`: did you mean `pollMs`\?$/);
    assert.throws(() => new Scheduler({ ...offline, pollMs: 0 }), /Expected `pollMs` to be an integer from 10 to 3600000, got 0/);
    assert.throws(() => new Scheduler({ redis: offline.redis } as never), /Expected `stream` to be a non-empty string, got undefined/);
  });

  it('upsert: a bad cron expression or time zone is named; specs, options and headers are checked; nothing is sent', async () => {
    const scheduler = new Scheduler(offline);
    await refuses(scheduler.upsert('x', { cron: '0 3 * *' }, 1), /Invalid cron expression "0 3 \* \*" in `spec.cron`/);
    await refuses(scheduler.upsert('x', { cron: '61 * * * *' }, 1), /Invalid cron expression "61 \* \* \* \*".*minute/);
    await refuses(scheduler.upsert('x', { cron: '0 3 * * *', tz: 'Mars/Olympus' }, 1), /Unknown time zone "Mars\/Olympus" in `spec.tz`/);
    await refuses(scheduler.upsert('x', { cron: '0 0 30 2 *' }, 1), /never runs|Invalid cron expression/);
    await refuses(scheduler.upsert('x', { evryMs: 100 } as never, 1), /Unknown option `spec.evryMs`: did you mean `everyMs`\?/);
    await refuses(scheduler.upsert('x', { everyMs: 100, cron: '* * * * *' }, 1), /exactly one of `cron` and `everyMs`/);
    await refuses(scheduler.upsert('x', { everyMs: 5 }, 1), /Expected `spec.everyMs` to be an integer from 10 and up, got 5/);
    await refuses(scheduler.upsert('x', { everyMs: 100, tz: 'UTC' } as never, 1), /no `spec.tz` with `everyMs`/);
    await refuses(scheduler.upsert('x', { everyMs: 100 }, 1, { missed: 'sometimes' as never }), /Expected `missed` to be one of 'skip', 'once', 'all', got "sometimes"/);
    await refuses(scheduler.upsert('x', { everyMs: 100 }, 1, { header: {} } as never), /Unknown option `header`: did you mean `headers`\?/);
    await refuses(scheduler.upsert('x', { everyMs: 100 }, 1, { headers: { scheduledAt: 'x' } }), /not to set `scheduledAt`/);
    await refuses(scheduler.upsert('', { everyMs: 100 }, 1), /Expected `name` to be a non-empty string/);
    await refuses(scheduler.upsert('x', { everyMs: 100 }, 10n), /Cannot encode the payload/, EncodeError);
    await scheduler.close();
  });
});
