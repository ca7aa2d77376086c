/**
 * What became of the entries killed consumers held, and which running handlers were taken over,
 * for the torture verdict.
 *
 * An entry a consumer held when it was SIGKILLed (its part of the PEL, listed after it died, or,
 * for a kill during a Redis outage, just before Redis was killed — the PEL cannot change while
 * Redis is down) left the PEL by one of these doors, and no other:
 *
 * - started again by another process (redelivered; the delay is measured from the kill, or from
 *   Redis's return for a kill during an outage), or dead-lettered after the kill;
 * - settled by the victim itself: its handler had returned (H line) or it had dead-lettered the
 *   entry, and the XACK or script was still on its way when the PEL was listed;
 * - settled by another process whose run of the entry had started before the kill: the victim had
 *   taken the entry over from it while it ran, or after it returned but before its ack landed.
 *   Only an outage or a cut explains that (the owner's lease renewals or ack failed); outside
 *   them it is a lease not kept, and a failure.
 *
 * Anything else is "never delivered again".
 */
import type { KillRecord } from './chaos.js';
import type { Execution, LedgerFacts } from './ledger.js';
import type { FaultWindows } from './windows.js';

/** The fate of what killed consumers held. */
export interface RedeliveryFacts {
  kills: number;
  /** Kills whose held entries were listed. */
  measuredKills: number;
  /** Kills while Redis was down (their held entries listed just before Redis was killed). */
  killsDuringOutage: number;
  /** Kills whose held entries could not be listed. */
  unmeasuredKills: number;
  /** Entries held by killed consumers (all kills). */
  entries: number;
  settledInFlight: number;
  settledByOther: number;
  settledByOtherOutsideFaults: number;
  slowestMs: number;
  medianSlowestMs: number;
  notRedelivered: number;
  /** A few entries that were never delivered again or were settled by another process outside faults. */
  sample: string[];
}

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

type Fate = { kind: 'redelivered'; at: number } | { kind: 'inFlight' } | { kind: 'byOther'; run: Execution } | { kind: 'none' };

/** Where one held entry went after the kill. */
function fateOf(id: string, kill: KillRecord, facts: LedgerFacts, deadAt: ReadonlyMap<string, number>): Fate {
  let at = Infinity;
  for (const start of facts.starts.get(id) ?? []) if (start.instance !== kill.instance && start.at >= kill.at) at = Math.min(at, start.at);
  const dead = deadAt.get(id);
  if (dead !== undefined && dead >= kill.at) at = Math.min(at, dead);
  if (at !== Infinity) return { kind: 'redelivered', at };
  const handlings = facts.handlings.get(id) ?? [];
  // The victim, or an earlier process of the same consumer name whose ack had not landed yet.
  const own = handlings.some((run) => run.instance === kill.instance || (facts.names.get(run.instance) === kill.name && run.end <= kill.at));
  if (own || dead !== undefined) return { kind: 'inFlight' };
  const other = handlings.find((run) => run.start < kill.at);
  return other === undefined ? { kind: 'none' } : { kind: 'byOther', run: other };
}

/** For each consumer SIGKILL: where each entry it held went, and how long redelivery took. */
export function redeliveries(
  kills: readonly KillRecord[], facts: LedgerFacts, deadAt: ReadonlyMap<string, number>, windows: FaultWindows,
): RedeliveryFacts {
  const r: RedeliveryFacts = {
    kills: kills.length, measuredKills: 0, killsDuringOutage: kills.filter((k) => k.duringOutage).length, unmeasuredKills: 0,
    entries: 0, settledInFlight: 0, settledByOther: 0, settledByOtherOutsideFaults: 0, slowestMs: 0, medianSlowestMs: 0, notRedelivered: 0, sample: [],
  };
  const slowestPerKill: number[] = [];
  for (const kill of kills) {
    if (kill.held === null) {
      r.unmeasuredKills++;
      continue;
    }
    r.measuredKills++;
    const clockStart = windows.redeliveryClockStart(kill.at);
    let slowest = -1;
    for (const id of kill.held) {
      r.entries++;
      const fate = fateOf(id, kill, facts, deadAt);
      if (fate.kind === 'redelivered') slowest = Math.max(slowest, fate.at - clockStart);
      else if (fate.kind === 'inFlight') r.settledInFlight++;
      else if (fate.kind === 'byOther') {
        r.settledByOther++;
        if (windows.faultExplaining(fate.run) === undefined) {
          r.settledByOtherOutsideFaults++;
          if (r.sample.length < 5) r.sample.push(`${id} held by #${kill.instance} killed at ${kill.at}, settled by #${fate.run.instance}'s run ${fate.run.start}…${fate.run.end} outside any fault`);
        }
      } else {
        r.notRedelivered++;
        if (r.sample.length < 5) r.sample.push(`${id} held by #${kill.instance} killed at ${kill.at}: never started again, handled or dead-lettered`);
      }
    }
    if (slowest >= 0) slowestPerKill.push(slowest);
  }
  r.slowestMs = slowestPerKill.length === 0 ? 0 : Math.max(...slowestPerKill);
  r.medianSlowestMs = median(slowestPerKill);
  return r;
}

/** Handlers taken over by a second process while the first still ran them. */
export interface TakeoverFacts {
  takenOverWhileRunning: number;
  takenOverOutsideFaults: number;
  takenOverLongHandlers: number;
  takeoverSample: string[];
}

/** Entries whose handler was started by a second process while the first one was still running it (a lease not kept, unless a fault explains it). */
export function takeovers(executions: ReadonlyMap<string, readonly Execution[]>, isLong: (id: string) => boolean, windows: FaultWindows): TakeoverFacts {
  const t: TakeoverFacts = { takenOverWhileRunning: 0, takenOverOutsideFaults: 0, takenOverLongHandlers: 0, takeoverSample: [] };
  for (const [id, list] of executions) {
    let taken = false;
    let unexplained: string | undefined;
    for (const a of list) {
      for (const b of list) {
        if (a.instance === b.instance || !(a.start < b.start && b.start < a.end)) continue;
        taken = true;
        if (unexplained === undefined && windows.faultExplainingTakeover(a, b.start) === undefined) {
          unexplained = `${id}: #${a.instance} ran it ${a.start}…${a.end}, #${b.instance} started it at ${b.start}`;
        }
      }
    }
    if (!taken) continue;
    t.takenOverWhileRunning++;
    if (isLong(id)) t.takenOverLongHandlers++;
    if (unexplained !== undefined) {
      t.takenOverOutsideFaults++;
      if (t.takeoverSample.length < 5) t.takeoverSample.push(unexplained);
    }
  }
  return t;
}
