/** The torture report as text: every figure, one per line, then PASS or FAIL with the reasons. */
import type { TortureReport } from './engine.js';
import type { RedeliveryFacts } from './redelivery.js';
import type { Verdict } from './verify.js';

const pct = (x: number): string => `${(x * 100).toFixed(3)}%`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const list = (record: Record<string, number>): string => {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
};

/** The duplicates, by cause (classified by time: what the run handled just before could not settle it). */
export function duplicatesLine(r: Pick<Verdict, 'duplicates' | 'duplicateRate' | 'duplicateCauses' | 'maxHandledPerEntry' | 'maxHandledOutsideFaults' | 'producerDuplicates'>): string {
  const c = r.duplicateCauses;
  return `${r.duplicates} consumer-side (${pct(r.duplicateRate)} of handled; most handlings of one entry: ${r.maxHandledPerEntry}, outside fault causes: ${r.maxHandledOutsideFaults})`
    + ` — earlier handler SIGKILLed holding it: ${c.afterKill}, earlier run overlapped a Redis outage: ${c.outage}, a connection cut: ${c.cut};`
    + ` unexplained: same process again ${c.sameProcess}, another process ${c.other}; producer-side ${r.producerDuplicates}`;
}

/** What became of what killed consumers held. */
export function redeliveryLine(d: RedeliveryFacts): string {
  return `${sec(d.slowestMs)} (median of per-kill slowest ${sec(d.medianSlowestMs)}, from the kill or from Redis's return; ${d.entries} entries held by ${d.measuredKills} of ${d.kills} killed consumers`
    + ` (${d.killsDuringOutage} killed while Redis was down, ${d.unmeasuredKills} unmeasured); settled by the victim's own XACK or dead-letter call in flight: ${d.settledInFlight};`
    + ` settled by another consumer's run the victim had taken over: ${d.settledByOther} (outside faults ${d.settledByOtherOutsideFaults}); never redelivered: ${d.notRedelivered})`;
}

/** Formats a report for the terminal. */
export function formatReport(r: TortureReport): string {
  const c = r.config;
  const f = r.faults;
  const rows: [string, string][] = [
    ['configuration', `n=${c.n} consumers=${c.consumers} poison=${pct(c.poisonRate)} long handlers=${pct(c.longHandlerRate)} visibilityTimeoutMs=${c.visibilityTimeoutMs} maxDeliveries=${c.maxDeliveries} concurrency=${c.concurrency} seed=${c.seed}`],
    ['faults', `consumer SIGKILLs ${f.consumerKills} (${f.reusedNames} replacements reused the killed name; ${r.consumerProcesses} consumer processes in all), Redis SIGKILL+restart ${f.redisKills} (down ${f.redisDowntimesMs.map(sec).join(', ') || '-'}), connection cuts ${f.cuts} (${f.cutConnections} connections)`],
    ['sent', `${r.sent} (failed attempts retried: ${r.send.failedAttempts}, of which reply lost: ${r.send.uncertainAttempts}; most attempts for one message: ${r.send.maxAttempts}; errors: ${list(r.send.errors)})`],
    ['stream entries', `${r.streamEntries} (producer-side duplicates: ${r.producerDuplicates}; acknowledged but missing: ${r.acknowledgedButMissing})`],
    ['handled (unique)', `${r.handledUnique} of ${r.nonPoison} non-poison messages (${r.handledEntries} entries)`],
    ['lost', `${r.lost} messages, ${r.lostEntries} entries (neither handled nor dead-lettered)${r.lost > 0 ? ` (e.g. ${r.lostSample.join(', ')})` : ''}`],
    ['duplicates', duplicatesLine(r)],
    ['dead letters', `${r.deadLetters}, poison entries ${r.poisonEntries} (${r.poison} poison messages): ${r.deadLettersExact ? 'exact' : `MISMATCH (healthy messages dead-lettered ${r.deadNotPoison}, of which ${r.crashExhausted} after every handler run was cut short by a SIGKILL; poison missing ${r.deadMissing}; twice ${r.deadTwice})`}; reasons: ${list(r.deadReasons)}`],
    ['pending left', `${r.pendingLeft} (whole stream delivered: ${r.allDelivered ? 'yes' : 'NO'}; Admin.stats: pending ${r.adminStats.pending}, dead letters ${r.adminStats.deadLetters})`],
    ['reclaimed', `${r.counters.reclaimed} (library counters: delivered ${r.counters.delivered}, acked ${r.counters.acked}, retried ${r.counters.retried}, dead-lettered ${r.counters.deadLettered}, leases renewed ${r.counters.leasesRenewed}, leases lost ${r.counters.leasesLost}, deleted while pending ${r.counters.deletedWhilePending})`],
    ['slowest redelivery after a kill', redeliveryLine(r.redelivery)],
    ['long handlers', `${r.longHandlers} ran longer than the visibility timeout; handlers taken over while still running: ${r.takenOverWhileRunning} (long ones ${r.takenOverLongHandlers}; outside fault windows ${r.takenOverOutsideFaults})`],
    ['handler runs', `${r.handlerRuns} (handled lines ${r.handledLines})`],
    ['consumer events', `errors: ${list(r.consumerErrors)}; warnings ${r.consumerWarnings}; producer error events ${r.producerErrorEvents}; consumer processes that exited on their own: ${r.unexpectedExits.length}`],
    ['wall time', `${sec(r.wallMs)} from first send to all settled (${Math.round(r.sent / Math.max(0.001, r.wallMs / 1000))} msg/s); ${sec(r.totalMs)} in all`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['streamq torture report', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  lines.push(r.ok ? 'RESULT: PASS' : `RESULT: FAIL\n${r.failures.map((x) => `  - ${x}`).join('\n')}\n  run directory: ${r.runDir}`);
  return lines.join('\n');
}
