/**
 * Which ticks one claim sends: the due ticks of a schedule at `now`, shaped by its missed-tick
 * policy. Pure; the claim script then checks in Redis that the plan is for the stored next due
 * time, so two schedulers that plan the same tick cannot both send it.
 */
import type { Timetable } from './spec.js';
import { MAX_TICKS_PER_CLAIM, type MissedPolicy } from './types.js';

/** One message to append: the tick it stands for, and for a catch-up the first missed tick it covers. */
export interface PlannedTick {
  /** The tick time (header `scheduledAt`). */
  at: number;
  /** Set on catch-up messages: the first missed tick this message stands for (header `missedFrom`). */
  missedFrom?: number;
}

/** What one claim sends and where the schedule's next due time moves. */
export interface ClaimPlan {
  /** The messages, oldest first (at least one). */
  ticks: PlannedTick[];
  /** The next due time after them, `null` when the spec has no more runs. */
  nextDue: number | null;
}

/**
 * The plan for a schedule whose stored next due time is `due`, at `now`; `null` when nothing is
 * due yet. Ticks from `due` up to the latest due one are due; all but the latest are missed (the
 * tick after each of them is due too), and `missed` decides what becomes of those. Policy `'all'`
 * sends at most `cap` per claim and leaves the rest due for the next claim.
 */
export function planClaim(table: Timetable, missed: MissedPolicy, due: number, now: number, cap = MAX_TICKS_PER_CLAIM): ClaimPlan | null {
  if (due > now) return null;
  const latest = table.atOrBefore(now);
  if (latest === null || latest <= due) return { ticks: [{ at: due }], nextDue: table.after(due) };
  switch (missed) {
    case 'skip':
      return { ticks: [{ at: latest }], nextDue: table.after(latest) };
    case 'once': {
      const before = table.before(latest);
      const lastMissed = before === null || before < due ? due : before;
      return { ticks: [{ at: lastMissed, missedFrom: due }, { at: latest }], nextDue: table.after(latest) };
    }
    case 'all': {
      const ticks: PlannedTick[] = [];
      let at: number | null = due;
      while (at !== null && at <= latest && ticks.length < cap) {
        ticks.push(at < latest ? { at, missedFrom: at } : { at });
        at = table.after(at);
      }
      return { ticks, nextDue: at };
    }
  }
}
