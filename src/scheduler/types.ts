/** Public types of schedules: specs, missed-tick policies and what a listing shows. */
import type { Headers } from '../codec.js';

/** A cron schedule: a 5-field (or 6-field, with seconds first) cron expression read in a time zone. */
export interface CronSpec {
  /** The cron expression, e.g. `'0 3 * * *'` (03:00 every day) or `'15 * * * * *'` (second 15 of every minute). */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `'Europe/Berlin'`. @default 'UTC' */
  tz?: string;
}

/** A fixed-interval schedule: a tick at every multiple of `everyMs` since the Unix epoch. */
export interface EverySpec {
  /** The interval in milliseconds (at least 10); `60_000` ticks at every whole minute. */
  everyMs: number;
}

/** When a schedule ticks: `{ cron, tz }` or `{ everyMs }`. */
export type ScheduleSpec = CronSpec | EverySpec;

/**
 * What to do with ticks that no scheduler sent in time — a tick counts as missed when the tick
 * after it is already due too (every scheduler was down, or Redis was unreachable, for at least
 * one interval). The latest due tick is always sent, late; the missed ones before it are:
 * - `'skip'`: dropped;
 * - `'once'`: replaced by one message (for the latest missed tick, with header `missedFrom` = the
 *   first missed tick);
 * - `'all'`: each sent, oldest first, at most {@link MAX_TICKS_PER_CLAIM} per claim (so a long
 *   outage never floods Redis in one script), each with header `missedFrom` = its own tick.
 */
export type MissedPolicy = 'skip' | 'once' | 'all';

/** Options of {@link Scheduler.upsert}. */
export interface UpsertOptions {
  /** Headers every tick carries (besides `schedule`, `scheduledAt` and, on catch-ups, `missedFrom`). */
  headers?: Headers;
  /** What to do with missed ticks. @default 'once' */
  missed?: MissedPolicy;
}

/** A schedule as stored in Redis, with its state. */
export interface ScheduleInfo {
  /** The schedule's name (unique per stream). */
  name: string;
  /** When it ticks; a cron spec always names its time zone here. */
  spec: ScheduleSpec;
  /** What happens to missed ticks. */
  missed: MissedPolicy;
  /** The next tick to be sent, or `null` when the spec has no more runs. */
  nextRunAt: Date | null;
  /** The tick time of the last message sent, or `null` when none was sent yet. */
  lastTickAt: Date | null;
  /** The stream entry ID of the last message sent, or `null`. */
  lastEntryId: string | null;
  /** The payload every tick carries. */
  data: unknown;
  /** The headers every tick carries (without the per-tick ones). */
  headers: Headers;
  /** When the definition was last changed. */
  updatedAt: Date;
}

/** Emitted as `tick` by a {@link Scheduler} for each message it appended. */
export interface TickEvent {
  /** The schedule's name. */
  schedule: string;
  /** The tick time the message stands for (header `scheduledAt`). */
  scheduledAt: Date;
  /** For a catch-up message: the first missed tick it stands for (header `missedFrom`). */
  missedFrom?: Date;
  /** The stream entry ID. */
  id: string;
}

/** Most ticks one claim appends (policy `'all'` after a long outage); the rest follow in further claims. */
export const MAX_TICKS_PER_CLAIM = 100;

/** What {@link Scheduler.upsert} did. */
export interface UpsertResult {
  /** `'created'`, `'updated'` or `'unchanged'` (the same definition was already stored). */
  outcome: 'created' | 'updated' | 'unchanged';
  /** The next tick to be sent (kept when only the payload, headers or policy changed). */
  nextRunAt: Date | null;
}
