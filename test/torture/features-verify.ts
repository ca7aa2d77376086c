/**
 * The verdict of a features torture run, from the ledgers of both groups, what the sender
 * recorded (each delayed message's due time, the IDs both sends of each dedup key returned), the
 * trim-safety samples taken during the run and the final state of Redis. Duplicates, kills and
 * takeovers are judged per group exactly as in the classic run (duplicates.ts, redelivery.ts).
 */
import type { FaultRecord, KillRecord } from './chaos.js';
import { duplicateFacts, type DuplicateCauses } from './duplicates.js';
import type { FeaturesPayload } from './features-protocol.js';
import { ledgerFacts, type LedgerFacts, type LedgerSource } from './ledger.js';
import { redeliveries, takeovers, type RedeliveryFacts } from './redelivery.js';
import { FaultWindows } from './windows.js';

/** One group's part of the evidence. */
export interface GroupEvidence {
  group: string;
  ledgers: LedgerSource[];
  kills: KillRecord[];
  pendingLeft: number;
  allDelivered: boolean;
}

/** Everything the features verdict is computed from. */
export interface FeaturesEvidence {
  payloads: readonly FeaturesPayload[];
  /** Due time of each delayed message: the sender's clock before its first attempt, plus the delay. */
  dueAt: readonly (number | undefined)[];
  /** The IDs the two sends of each dedup message returned. */
  dedupIds: readonly ([string, string] | undefined)[];
  groups: GroupEvidence[];
  faults: FaultRecord[];
  visibilityTimeoutMs: number;
  earlyToleranceMs: number;
  deadLetters: number;
  /** Pending entries found without their data (trimmed or deleted while a group still needed them), as "group id". */
  trimmedWhilePending: readonly string[];
  trimSamples: number;
  finalLength: number;
  delayedLeft: number;
}

/** One group's figures. */
export interface GroupVerdict {
  group: string;
  handledUnique: number;
  lost: number;
  lostSample: number[];
  handledLines: number;
  duplicates: number;
  duplicateCauses: DuplicateCauses;
  maxHandledPerEntry: number;
  maxHandledOutsideFaults: number;
  overTwiceOutsideFaults: number;
  unexplainedDuplicateSample: string[];
  redelivery: RedeliveryFacts;
  takenOverWhileRunning: number;
  takenOverOutsideFaults: number;
  takeoverSample: string[];
  pendingLeft: number;
  allDelivered: boolean;
}

/** What the features verification found. */
export interface FeaturesVerdict {
  groups: GroupVerdict[];
  /** Consumer-side duplicates over both groups, per handled entry. */
  duplicateRate: number;
  /** Those no kill, outage or cut explains, per handled entry. */
  unexplainedDuplicateRate: number;
  delayed: { count: number; early: number; earlySample: string[]; maxLateMs: number; medianLateMs: number };
  dedup: { count: number; secondSendDiffers: number; extraEntries: number; sample: string[] };
  /** Messages (neither dedup nor otherwise) stored as more than one entry: a send retried after its reply was lost. */
  producerDuplicates: number;
  deadLetters: number;
  trimmedWhilePending: number;
  trimSample: string[];
  trimSamples: number;
  finalLength: number;
  delayedLeft: number;
}

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Entry IDs each message number was handled as (or started as), in one group. */
function entriesByNumber(facts: LedgerFacts, payloadOf: (id: string) => number | undefined): Map<number, Set<string>> {
  const byNumber = new Map<number, Set<string>>();
  for (const id of facts.starts.keys()) {
    const n = payloadOf(id);
    if (n === undefined) continue;
    const set = byNumber.get(n) ?? new Set<string>();
    byNumber.set(n, set.add(id));
  }
  return byNumber;
}

function groupVerdict(g: GroupEvidence, n: number, facts: LedgerFacts, windows: FaultWindows): GroupVerdict {
  const lostNumbers: number[] = [];
  for (let i = 0; i < n; i++) if (!facts.handledNumbers.has(i)) lostNumbers.push(i);
  const duplicates = duplicateFacts(facts.handlings, windows);
  const taken = takeovers(facts.executions, () => false, windows);
  return {
    group: g.group, handledUnique: facts.handledNumbers.size, lost: lostNumbers.length, lostSample: lostNumbers.slice(0, 20),
    handledLines: facts.handledLines, duplicates: duplicates.duplicates, duplicateCauses: duplicates.causes,
    maxHandledPerEntry: duplicates.maxHandledPerEntry, maxHandledOutsideFaults: duplicates.maxHandledOutsideFaults, overTwiceOutsideFaults: duplicates.overTwiceOutsideFaults,
    unexplainedDuplicateSample: duplicates.unexplainedSample,
    redelivery: redeliveries(g.kills, facts, new Map(), windows),
    takenOverWhileRunning: taken.takenOverWhileRunning, takenOverOutsideFaults: taken.takenOverOutsideFaults, takeoverSample: taken.takeoverSample,
    pendingLeft: g.pendingLeft, allDelivered: g.allDelivered,
  };
}

/** Delayed messages: none started before its due time (less the tolerance); how late they were. */
function delayedFacts(e: FeaturesEvidence, firstStart: Map<number, number>): FeaturesVerdict['delayed'] {
  const late: number[] = [];
  const earlySample: string[] = [];
  let early = 0;
  let count = 0;
  e.payloads.forEach((payload, n) => {
    const due = e.dueAt[n];
    if (payload.delayMs === undefined || due === undefined) return;
    count++;
    const started = firstStart.get(n);
    if (started === undefined) return; // lost: judged as lost
    if (started < due - e.earlyToleranceMs) {
      early++;
      if (earlySample.length < 5) earlySample.push(`message ${n} (delay ${payload.delayMs} ms) started ${due - started} ms before it was due`);
    }
    late.push(started - due);
  });
  return { count, early, earlySample, maxLateMs: late.length === 0 ? 0 : Math.max(...late), medianLateMs: median(late) };
}

/** Dedup messages: both sends returned one ID, and each group saw exactly that one entry. */
function dedupFacts(e: FeaturesEvidence, byGroup: Map<number, Set<string>>[]): FeaturesVerdict['dedup'] {
  const facts = { count: 0, secondSendDiffers: 0, extraEntries: 0, sample: [] as string[] };
  e.payloads.forEach((payload, n) => {
    if (payload.dedup === undefined) return;
    facts.count++;
    const ids = e.dedupIds[n];
    if (ids !== undefined && ids[0] !== ids[1]) {
      facts.secondSendDiffers++;
      if (facts.sample.length < 5) facts.sample.push(`key ${payload.dedup}: the sends returned ${ids[0]} and ${ids[1]}`);
    }
    for (const entries of byGroup) {
      const seen = entries.get(n)?.size ?? 0;
      if (seen > 1) {
        facts.extraEntries += seen - 1;
        if (facts.sample.length < 5) facts.sample.push(`key ${payload.dedup}: handled as ${[...(entries.get(n) ?? [])].join(', ')}`);
      }
    }
  });
  return facts;
}

/** Computes the verdict. */
export function verifyFeatures(e: FeaturesEvidence): FeaturesVerdict {
  const n = e.payloads.length;
  const allKills = e.groups.flatMap((g) => g.kills);
  const windows = new FaultWindows(e.faults, allKills, e.visibilityTimeoutMs);
  const facts = e.groups.map((g) => ledgerFacts(g.ledgers));
  // Entry ID → message number, from every ledger line (delayed entries get their ID when promoted).
  const numberOf = new Map<string, number>();
  const firstStart = new Map<number, number>();
  for (const f of facts) {
    for (const [id, runs] of f.executions) {
      const number = f.numbers.get(id);
      if (number === undefined) continue;
      numberOf.set(id, number);
      const first = Math.min(...runs.map((run) => run.start));
      firstStart.set(number, Math.min(firstStart.get(number) ?? Infinity, first));
    }
  }
  const byGroup = facts.map((f) => entriesByNumber(f, (id) => numberOf.get(id)));
  let producerDuplicates = 0;
  e.payloads.forEach((payload, i) => {
    if (payload.dedup !== undefined) return;
    producerDuplicates += Math.max(0, ...byGroup.map((entries) => (entries.get(i)?.size ?? 1) - 1));
  });
  const groups = e.groups.map((g, i) => groupVerdict(g, n, facts[i] as LedgerFacts, windows));
  const handled = facts.reduce((sum, f) => sum + f.handlings.size, 0);
  const duplicates = groups.reduce((sum, g) => sum + g.duplicates, 0);
  const unexplained = groups.reduce((sum, g) => sum + g.duplicateCauses.sameProcess + g.duplicateCauses.other, 0);
  return {
    groups,
    duplicateRate: handled === 0 ? 0 : duplicates / handled,
    unexplainedDuplicateRate: handled === 0 ? 0 : unexplained / handled,
    delayed: delayedFacts(e, firstStart),
    dedup: dedupFacts(e, byGroup),
    producerDuplicates,
    deadLetters: e.deadLetters,
    trimmedWhilePending: e.trimmedWhilePending.length,
    trimSample: e.trimmedWhilePending.slice(0, 5),
    trimSamples: e.trimSamples,
    finalLength: e.finalLength,
    delayedLeft: e.delayedLeft,
  };
}
