/**
 * Consumer-side duplicates of a torture run, each classified by what caused it. The handlings of
 * an entry are taken in time order (when each handler returned), and each one after the first is
 * explained — or not — by the handling just before it: that earlier run's ack is what did not
 * land in time. See windows.ts for what each fault explains.
 */
import type { Execution } from './ledger.js';
import type { FaultWindows } from './windows.js';

/** Why an entry was handled again. */
export interface DuplicateCauses {
  /** The earlier handler's process was SIGKILLed holding the entry (its ack never left). */
  afterKill: number;
  /** The earlier run overlapped a Redis outage (plus the visibility timeout). */
  outage: number;
  /** The earlier run overlapped a connection cut (plus the visibility timeout). */
  cut: number;
  /** Unexplained: handled again by the same process. */
  sameProcess: number;
  /** Unexplained: handled again by another process (taken over before the ack landed). */
  other: number;
}

/** The duplicate figures of a run. */
export interface DuplicateFacts {
  /** Handlings beyond the first of each entry. */
  duplicates: number;
  causes: DuplicateCauses;
  maxHandledPerEntry: number;
  /** Most handlings of one entry once those explained by a kill, an outage or a cut are set aside. */
  maxHandledOutsideFaults: number;
  /** Entries handled more than twice outside fault causes. */
  overTwiceOutsideFaults: number;
  /** A few unexplained duplicates (entry, earlier run, later run), for the report. */
  unexplainedSample: string[];
}

const describeRun = (run: Execution): string => `#${run.instance} ${run.start}…${run.end}`;

/** Classifies every duplicate handling. */
export function duplicateFacts(handlings: ReadonlyMap<string, readonly Execution[]>, windows: FaultWindows): DuplicateFacts {
  const causes: DuplicateCauses = { afterKill: 0, outage: 0, cut: 0, sameProcess: 0, other: 0 };
  const facts: DuplicateFacts = { duplicates: 0, causes, maxHandledPerEntry: 0, maxHandledOutsideFaults: 0, overTwiceOutsideFaults: 0, unexplainedSample: [] };
  for (const [id, list] of handlings) {
    facts.maxHandledPerEntry = Math.max(facts.maxHandledPerEntry, list.length);
    let outsideFaults = Math.min(1, list.length);
    for (let i = 1; i < list.length; i++) {
      facts.duplicates++;
      const earlier = list[i - 1] as Execution;
      const later = list[i] as Execution;
      if (windows.killExplains(earlier, id)) {
        causes.afterKill++;
        continue;
      }
      const fault = windows.faultExplaining(earlier);
      if (fault !== undefined) {
        causes[fault.kind]++;
        continue;
      }
      outsideFaults++;
      if (earlier.instance === later.instance) causes.sameProcess++;
      else causes.other++;
      if (facts.unexplainedSample.length < 5) facts.unexplainedSample.push(`${id}: ${describeRun(earlier)}, again ${describeRun(later)}`);
    }
    facts.maxHandledOutsideFaults = Math.max(facts.maxHandledOutsideFaults, outsideFaults);
    if (outsideFaults > 2) facts.overTwiceOutsideFaults++;
  }
  return facts;
}
