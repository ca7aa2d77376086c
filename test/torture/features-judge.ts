/**
 * Every way a features torture run can fail, as messages (none: PASS), and the report as text.
 */
import type { FeaturesConfig } from './features-config.js';
import type { FeaturesReport } from './features-engine.js';
import type { GroupVerdict } from './features-verify.js';
import { duplicateFailures, faultFailures } from './judge.js';
import type { RedeliveryFacts } from './redelivery.js';
import { duplicatesLine, redeliveryLine } from './report.js';

/** The groups' redelivery figures added up (samples joined). */
export function mergeRedelivery(list: readonly RedeliveryFacts[]): RedeliveryFacts {
  const total: RedeliveryFacts = {
    kills: 0, measuredKills: 0, killsDuringOutage: 0, unmeasuredKills: 0, entries: 0, settledInFlight: 0, settledByOther: 0,
    settledByOtherOutsideFaults: 0, slowestMs: 0, medianSlowestMs: 0, notRedelivered: 0, sample: [],
  };
  for (const r of list) {
    for (const key of ['kills', 'measuredKills', 'killsDuringOutage', 'unmeasuredKills', 'entries', 'settledInFlight', 'settledByOther', 'settledByOtherOutsideFaults', 'notRedelivered'] as const) total[key] += r[key];
    total.slowestMs = Math.max(total.slowestMs, r.slowestMs);
    total.medianSlowestMs = Math.max(total.medianSlowestMs, r.medianSlowestMs);
    total.sample.push(...r.sample);
  }
  return total;
}

function groupFailures(g: GroupVerdict): string[] {
  const failures: string[] = [];
  if (g.lost > 0) failures.push(`group ${g.group}: ${g.lost} messages never handled (e.g. ${g.lostSample.join(', ')})`);
  if (g.pendingLeft !== 0) failures.push(`group ${g.group}: ${g.pendingLeft} entries still pending`);
  if (!g.allDelivered) failures.push(`group ${g.group}: did not read the whole stream`);
  const duplicates = duplicateFailures({ ...g, duplicateRate: 0 }, 1);
  return [...failures, ...duplicates.map((f) => `group ${g.group}: ${f}`)];
}

/** Every way the features run can fail. */
export function featuresFailures(r: FeaturesReport, config: FeaturesConfig): string[] {
  const failures: string[] = [];
  if (r.send.sent !== config.n) failures.push(`sent ${r.send.sent} of ${config.n}`);
  for (const g of r.groups) failures.push(...groupFailures(g));
  if (r.duplicateRate > config.maxDuplicateRate) failures.push(`consumer-side duplicates are ${(r.duplicateRate * 100).toFixed(3)}% of handled entries, more than ${(config.maxDuplicateRate * 100).toFixed(3)}%`);
  if (r.unexplainedDuplicateRate > config.maxUnexplainedDuplicateRate) {
    failures.push(`duplicates no fault explains are ${(r.unexplainedDuplicateRate * 100).toFixed(3)}% of handled entries, more than ${(config.maxUnexplainedDuplicateRate * 100).toFixed(3)}%`);
  }
  if (r.delayedLeft !== 0) failures.push(`${r.delayedLeft} delayed messages never became due in the stream`);
  if (r.delayed.early > 0) failures.push(`${r.delayed.early} delayed messages were handled early (${r.delayed.earlySample.join('; ')})`);
  if (r.dedup.secondSendDiffers > 0 || r.dedup.extraEntries > 0) {
    failures.push(`dedup keys sent twice made more than one entry: second send returned another ID ${r.dedup.secondSendDiffers} times, extra entries handled ${r.dedup.extraEntries} (${r.dedup.sample.join('; ')})`);
  }
  if (r.trimmedWhilePending > 0) failures.push(`${r.trimmedWhilePending} pending entries lost their data (trimmed or deleted before every group acknowledged them): ${r.trimSample.join(', ')}`);
  if (r.trimSamples < 10) failures.push(`the trim-safety check sampled only ${r.trimSamples} times`);
  if (r.counters.deletedWhilePending > 0) failures.push(`consumers met ${r.counters.deletedWhilePending} entries deleted while pending`);
  if (r.deadLetters > 0) failures.push(`${r.deadLetters} dead letters (no message of this run fails)`);
  if (r.finalLength > config.maxLen) failures.push(`the stream holds ${r.finalLength} entries at the end, more than retention.maxLen ${config.maxLen}`);
  failures.push(...faultFailures(r.faults, config, mergeRedelivery(r.groups.map((g) => g.redelivery))));
  for (const g of r.groups) if (g.redelivery.entries === 0) failures.push(`group ${g.group}: no killed consumer held an entry: its consumption was never hit by a kill`);
  for (const exit of r.unexpectedExits) failures.push(`consumer ${exit.name}#${exit.instance} exited on its own (code ${exit.code}, signal ${exit.signal}):\n${exit.log}`);
  return failures;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The report for the terminal: every figure, then PASS or FAIL with the reasons. */
export function formatFeaturesReport(r: FeaturesReport): string {
  const c = r.config;
  const f = r.faults;
  const rows: [string, string][] = [
    ['configuration', `n=${c.n} groups=${r.groups.map((g) => g.group).join('+')} consumers/group=${c.consumersPerGroup} delayed=${c.delayedRate} (≤ ${c.maxDelayMs} ms) dedup=${c.dedupRate} batches ${c.batchConcurrency}×${c.batchSize} retention.maxLen=${c.maxLen} deleteOnAck visibilityTimeoutMs=${c.visibilityTimeoutMs} seed=${c.seed}`],
    ['faults', `consumer SIGKILLs ${f.consumerKills}, Redis SIGKILL+restart ${f.redisKills}, connection cuts ${f.cuts}; ${r.consumerProcesses} consumer processes in all`],
    ['sent', `${r.send.sent} (failed attempts retried ${r.send.failedAttempts}, reply lost ${r.send.uncertainAttempts}); producer-side duplicates ${r.producerDuplicates}`],
    ['duplicates', `${(r.duplicateRate * 100).toFixed(3)}% of handled entries over both groups (bound ${(c.maxDuplicateRate * 100).toFixed(1)}%), unexplained ${(r.unexplainedDuplicateRate * 100).toFixed(3)}% (bound ${(c.maxUnexplainedDuplicateRate * 100).toFixed(1)}%)`],
    ...r.groups.flatMap((g): [string, string][] => [
      [`${g.group}: handled`, `${g.handledUnique} of ${c.n} (lost ${g.lost}; pending left ${g.pendingLeft}; whole stream read: ${g.allDelivered ? 'yes' : 'NO'})`],
      [`${g.group}: duplicates`, duplicatesLine({ ...g, duplicateRate: g.handledUnique === 0 ? 0 : g.duplicates / g.handledUnique, producerDuplicates: r.producerDuplicates })],
      [`${g.group}: after kills`, redeliveryLine(g.redelivery)],
      [`${g.group}: takeovers`, `${g.takenOverWhileRunning} handlers taken over while running (outside fault windows ${g.takenOverOutsideFaults})`],
    ]),
    ['delayed', `${r.delayed.count} messages: early ${r.delayed.early} (tolerance ${c.earlyToleranceMs} ms), late by up to ${sec(r.delayed.maxLateMs)} (median ${r.delayed.medianLateMs} ms); still waiting at the end ${r.delayedLeft}`],
    ['dedup', `${r.dedup.count} keys sent twice: second send returned another ID ${r.dedup.secondSendDiffers}, extra entries ${r.dedup.extraEntries}`],
    ['retention', `pending entries found without data ${r.trimmedWhilePending} in ${r.trimSamples} samples; deleted while pending (library) ${r.counters.deletedWhilePending}; stream length at the end ${r.finalLength}`],
    ['consumer events', `dead letters ${r.deadLetters}; errors ${JSON.stringify(r.consumerErrors)}; unexpected exits ${r.unexpectedExits.length}`],
    ['wall time', `${sec(r.wallMs)} from first send to all settled; ${sec(r.totalMs)} in all`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['streamq features torture report', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  lines.push(r.ok ? 'RESULT: PASS' : `RESULT: FAIL\n${r.failures.map((x) => `  - ${x}`).join('\n')}\n  run directory: ${r.runDir}`);
  return lines.join('\n');
}
