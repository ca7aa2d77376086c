/**
 * Schedule specs → timetables: the tick times of `{ cron, tz }` (computed by croner, DST-aware)
 * or `{ everyMs }` (multiples of the interval since the Unix epoch). Pure; every process computes
 * the same ticks from the same spec, which is what lets any number of schedulers agree on them.
 */
import { Cron } from 'croner';
import { InvalidOptionError } from '../errors.js';
import { describeValue, expectKnownKeys, expectPlainObject } from '../validate.js';
import type { ScheduleSpec } from './types.js';

/** Shortest interval accepted by `everyMs`. */
export const MIN_EVERY_MS = 10;

/** A spec with its defaults filled in: a cron spec always names its time zone. */
export type NormalizedSpec = { cron: string; tz: string } | { everyMs: number };

/** The tick times of one spec. All times are milliseconds since the epoch. */
export interface Timetable {
  /** The spec, normalized. */
  readonly spec: NormalizedSpec;
  /** The spec in one canonical string: two specs with the same key tick at the same times. */
  readonly key: string;
  /** The first tick strictly after `ms`, or `null` when there is none. */
  after(ms: number): number | null;
  /** The last tick strictly before `ms`, or `null`. */
  before(ms: number): number | null;
  /** The last tick at or before `ms`, or `null`. */
  atOrBefore(ms: number): number | null;
}

const SPEC_KEYS = { cron: true, tz: true, everyMs: true } as const;

/** The canonical IANA name of a time zone, or an {@link InvalidOptionError} naming it. */
export function canonicalTimeZone(tz: unknown): string {
  if (typeof tz !== 'string' || tz.length === 0) {
    throw new InvalidOptionError(`Expected \`spec.tz\` to be an IANA time zone name such as 'Europe/Berlin', got ${describeValue(tz)}`);
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch (error) {
    throw new InvalidOptionError(`Unknown time zone ${JSON.stringify(tz)} in \`spec.tz\`: expected an IANA name such as 'Europe/Berlin'`, { cause: error });
  }
}

class EveryTimetable implements Timetable {
  readonly spec: NormalizedSpec;
  readonly key: string;
  readonly #every: number;

  constructor(everyMs: number) {
    this.#every = everyMs;
    this.spec = { everyMs };
    this.key = `every ${everyMs}`;
  }

  after(ms: number): number { return Math.floor(ms / this.#every) * this.#every + this.#every; }
  before(ms: number): number { return Math.ceil(ms / this.#every) * this.#every - this.#every; }
  atOrBefore(ms: number): number { return Math.floor(ms / this.#every) * this.#every; }
}

class CronTimetable implements Timetable {
  readonly spec: NormalizedSpec;
  readonly key: string;
  readonly #cron: Cron;

  constructor(expression: string, tz: string) {
    try {
      // Without a function croner only evaluates the pattern: no timer is started.
      this.#cron = new Cron(expression, { timezone: tz });
    } catch (error) {
      throw new InvalidOptionError(`Invalid cron expression ${JSON.stringify(expression)} in \`spec.cron\`: ${(error as Error).message}`, { cause: error });
    }
    this.spec = { cron: expression, tz };
    this.key = `cron ${expression} ${tz}`;
  }

  after(ms: number): number | null { return this.#cron.nextRun(new Date(ms))?.getTime() ?? null; }
  // croner's previousRuns is strictly before its reference (ms included).
  before(ms: number): number | null { return this.#cron.previousRuns(1, new Date(ms))[0]?.getTime() ?? null; }
  atOrBefore(ms: number): number | null { return this.before(ms + 1); }
}

/**
 * Validates a spec and returns its timetable. Throws {@link InvalidOptionError} naming the
 * problem: not exactly one of `cron` / `everyMs`, an unknown key, a bad cron expression, an
 * unknown time zone, an interval under {@link MIN_EVERY_MS}.
 */
export function timetable(spec: ScheduleSpec): Timetable {
  const value = expectPlainObject('spec', spec, "{ cron, tz? } or { everyMs }");
  expectKnownKeys('spec', value, SPEC_KEYS);
  const { cron, tz, everyMs } = value as { cron?: unknown; tz?: unknown; everyMs?: unknown };
  if ((cron === undefined) === (everyMs === undefined)) {
    throw new InvalidOptionError('Expected `spec` to have exactly one of `cron` and `everyMs`');
  }
  if (everyMs !== undefined) {
    if (tz !== undefined) throw new InvalidOptionError('Expected no `spec.tz` with `everyMs`: an interval ticks at the same instants in every zone');
    if (typeof everyMs !== 'number' || !Number.isSafeInteger(everyMs) || everyMs < MIN_EVERY_MS) {
      throw new InvalidOptionError(`Expected \`spec.everyMs\` to be an integer from ${MIN_EVERY_MS} and up, got ${describeValue(everyMs)}`);
    }
    return new EveryTimetable(everyMs);
  }
  if (typeof cron !== 'string' || cron.trim().length === 0) {
    throw new InvalidOptionError(`Expected \`spec.cron\` to be a cron expression such as '0 3 * * *', got ${describeValue(cron)}`);
  }
  return new CronTimetable(cron.trim(), tz === undefined ? 'UTC' : canonicalTimeZone(tz));
}
