/**
 * Every way a torture run can fail, as messages; no message means PASS. The fault and duplicate
 * rules are shared with the features configuration (features-judge.ts).
 */
import type { TortureConfig } from './config.js';
import type { TortureReport } from './engine.js';
import type { RedeliveryFacts } from './redelivery.js';
import type { Verdict } from './verify.js';

/** The faults a run was configured to inject. */
export interface PlannedFaults {
  redisKills: number;
  cuts: number;
  minConsumerKills: number;
}

/** The faults a run injected. */
export interface InjectedFaults {
  consumerKills: number;
  redisKills: number;
  cuts: number;
}

/**
 * The faults really happened and hit something: every planned Redis restart and cut, at least the
 * minimum of consumer kills, every kill measured (what the victim held was listed, also while
 * Redis was down), and the victims held entries — a kill of an idle consumer proves nothing.
 */
export function faultFailures(injected: InjectedFaults, planned: PlannedFaults, redelivery: RedeliveryFacts): string[] {
  const failures: string[] = [];
  if (injected.redisKills !== planned.redisKills) failures.push(`${injected.redisKills} Redis kills happened, ${planned.redisKills} were configured`);
  if (injected.cuts !== planned.cuts) failures.push(`${injected.cuts} connection cuts happened, ${planned.cuts} were configured`);
  if (injected.consumerKills < planned.minConsumerKills) failures.push(`only ${injected.consumerKills} of ${planned.minConsumerKills} consumer kills happened`);
  if (redelivery.measuredKills === 0) failures.push('no consumer kill was measured (what a victim held was never listed)');
  if (redelivery.unmeasuredKills > 0) failures.push(`${redelivery.unmeasuredKills} consumer kills went unmeasured (what the victim held could not be listed)`);
  if (redelivery.entries === 0) failures.push('the killed consumers held no entries: the kills proved nothing');
  if (redelivery.notRedelivered > 0) failures.push(`${redelivery.notRedelivered} entries held by killed consumers were never delivered again, handled or dead-lettered (${redelivery.sample.join('; ')})`);
  if (redelivery.settledByOtherOutsideFaults > 0) {
    failures.push(`${redelivery.settledByOtherOutsideFaults} entries held by killed consumers had been taken from a live consumer's run away from any outage or cut (${redelivery.sample.join('; ')})`);
  }
  return failures;
}

/** The duplicate figures a run is judged on. */
export type DuplicateFigures = Pick<Verdict, 'duplicateRate' | 'maxHandledOutsideFaults' | 'overTwiceOutsideFaults' | 'unexplainedDuplicateSample' | 'takenOverOutsideFaults' | 'takeoverSample'>;

/**
 * Duplicates are bounded: no entry handled more than twice outside what a kill, an outage or a
 * cut explains, consumer-side duplicates at most `maxRate` of handled entries, and no running
 * handler taken over away from an outage or a cut.
 */
export function duplicateFailures(v: DuplicateFigures, maxRate: number): string[] {
  const failures: string[] = [];
  if (v.overTwiceOutsideFaults > 0) {
    failures.push(`${v.overTwiceOutsideFaults} entries were handled more than twice outside fault causes (up to ${v.maxHandledOutsideFaults} times; e.g. ${v.unexplainedDuplicateSample.join('; ')})`);
  }
  if (v.duplicateRate > maxRate) failures.push(`consumer-side duplicates are ${(v.duplicateRate * 100).toFixed(3)}% of handled entries, more than ${(maxRate * 100).toFixed(3)}%`);
  if (v.takenOverOutsideFaults > 0) {
    failures.push(`${v.takenOverOutsideFaults} handlers were taken over by another consumer while still running, away from any Redis outage or cut: leases not kept (${v.takeoverSample.join('; ')})`);
  }
  return failures;
}

/** Every way the classic run can fail. */
export function failuresOf(r: TortureReport, config: TortureConfig): string[] {
  const failures: string[] = [];
  if (r.sent !== config.n) failures.push(`sent ${r.sent} of ${config.n}`);
  if (r.acknowledgedButMissing > 0) failures.push(`${r.acknowledgedButMissing} acknowledged sends are not in the stream`);
  if (r.lost > 0) failures.push(`${r.lost} messages lost (e.g. ${r.lostSample.join(', ')})`);
  if (r.lostEntries > 0) failures.push(`${r.lostEntries} stream entries neither handled nor dead-lettered`);
  if (!r.deadLettersExact) {
    failures.push(`dead letters ${r.deadLetters} ≠ poison entries ${r.poisonEntries} (healthy messages dead-lettered ${r.deadNotPoison} — ${r.crashExhausted} of them after maxDeliveries handler runs all cut short by SIGKILLs, by design; poison missing ${r.deadMissing}; twice ${r.deadTwice})`);
  }
  if (r.pendingLeft !== 0) failures.push(`${r.pendingLeft} entries still pending`);
  if (!r.allDelivered) failures.push('the group did not read the whole stream');
  if (r.adminStats.deadLetters !== r.deadLetters) failures.push(`Admin.stats says ${r.adminStats.deadLetters} dead letters, the stream holds ${r.deadLetters}`);
  if (r.adminStats.pending !== r.pendingLeft) failures.push(`Admin.stats says ${r.adminStats.pending} pending, XINFO says ${r.pendingLeft}`);
  failures.push(...duplicateFailures(r, config.maxDuplicateRate));
  failures.push(...faultFailures(r.faults, config, r.redelivery));
  for (const exit of r.unexpectedExits) failures.push(`consumer ${exit.name}#${exit.instance} exited on its own (code ${exit.code}, signal ${exit.signal}):\n${exit.log}`);
  return failures;
}
