/**
 * The verdict of a torture run, computed from what Redis holds at the end (the stream, the
 * dead-letter stream, the group) and what the consumer processes wrote to their ledgers — never
 * from the library's own counters, which are reported beside it for information only.
 */
import { readFileSync } from 'node:fs';
import type { KillRecord, FaultRecord } from './chaos.js';
import type { RawStreamEntry } from './monitor.js';
import { parseLedger, type LedgerEvent, type TorturePayload } from './protocol.js';
import type { SendStats } from './sender.js';

/** One consumer process's ledger, with when it was SIGKILLed (if it was). */
export interface LedgerSource {
  instance: number;
  name: string;
  path: string;
  killedAt: number | undefined;
}

/** Everything the verdict is computed from. */
export interface Evidence {
  n: number;
  visibilityTimeoutMs: number;
  stream: RawStreamEntry[];
  dead: RawStreamEntry[];
  pendingLeft: number;
  allDelivered: boolean;
  sendStats: SendStats;
  ledgers: LedgerSource[];
  kills: KillRecord[];
  faults: FaultRecord[];
}

/** What the verification found. */
export interface Verdict {
  sent: number;
  streamEntries: number;
  acknowledgedButMissing: number;
  producerDuplicates: number;
  nonPoison: number;
  poison: number;
  poisonEntries: number;
  handledUnique: number;
  handledEntries: number;
  /** Messages neither handled nor dead-lettered. */
  lost: number;
  /** Stream entries neither handled nor dead-lettered. */
  lostEntries: number;
  lostSample: number[];
  handlerRuns: number;
  handledLines: number;
  duplicates: number;
  duplicateRate: number;
  duplicateCauses: { afterKill: number; sameProcess: number; other: number };
  maxHandledPerEntry: number;
  deadLetters: number;
  deadLettersExact: boolean;
  deadNotPoison: number;
  /** Healthy messages dead-lettered after every one of their handler runs was cut short by a SIGKILL (maxDeliveries reached by crashes). */
  crashExhausted: number;
  deadMissing: number;
  deadTwice: number;
  deadReasons: Record<string, number>;
  pendingLeft: number;
  allDelivered: boolean;
  redelivery: { kills: number; measuredKills: number; entries: number; settledInFlight: number; slowestMs: number; medianSlowestMs: number; notRedelivered: number };
  longHandlers: number;
  takenOverWhileRunning: number;
  takenOverOutsideFaults: number;
  takenOverLongHandlers: number;
}

interface Execution {
  instance: number;
  start: number;
  end: number;
  /** Whether the handler returned (H or F); false: its process was SIGKILLed first. */
  finished: boolean;
}

const decode = (fields: string[]): TorturePayload | undefined => {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'd') {
      try {
        return JSON.parse(fields[i + 1] as string) as TorturePayload;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
};

const field = (fields: string[], name: string): string | undefined => {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
};

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Reads every ledger: the events of each instance, in the order it wrote them. */
function readLedgers(sources: readonly LedgerSource[]): Map<number, LedgerEvent[]> {
  const byInstance = new Map<number, LedgerEvent[]>();
  for (const source of sources) {
    let text = '';
    try {
      text = readFileSync(source.path, 'utf8');
    } catch {
      // a worker killed before its first message never created its ledger
    }
    byInstance.set(source.instance, parseLedger(text));
  }
  return byInstance;
}

/** What the stream holds: each entry's payload, the poison entries, the message numbers present. */
function indexStream(stream: readonly RawStreamEntry[]) {
  const entries = new Map<string, TorturePayload | undefined>();
  const numbers = new Set<number>();
  const poisonIds = new Set<string>();
  const poisonNumbers = new Set<number>();
  for (const entry of stream) {
    const payload = decode(entry.fields);
    entries.set(entry.id, payload);
    if (payload === undefined) continue;
    numbers.add(payload.n);
    if (payload.p === 1) {
      poisonIds.add(entry.id);
      poisonNumbers.add(payload.n);
    }
  }
  return { entries, numbers, poisonIds, poisonNumbers };
}

/** What the ledgers say: handler runs, successes (and their duplicates), executions per entry. */
function ledgerFacts(sources: readonly LedgerSource[]) {
  const killedAt = new Map(sources.map((l) => [l.instance, l.killedAt]));
  const facts = {
    handlerRuns: 0,
    handledLines: 0,
    /** Entry ID → times handled. */
    handledIds: new Map<string, number>(),
    handledNumbers: new Set<number>(),
    /** Entry ID → instance → when that instance handled it (last time). */
    handledAt: new Map<string, Map<number, number>>(),
    duplicateCauses: { afterKill: 0, sameProcess: 0, other: 0 },
    starts: new Map<string, { at: number; instance: number }[]>(),
    executions: new Map<string, Execution[]>(),
  };
  const firstHandled = new Map<string, number>();
  for (const [instance, events] of readLedgers(sources)) {
    const open = new Map<string, number>();
    for (const event of events) {
      if (event.kind === 'S') {
        facts.handlerRuns++;
        open.set(event.id, event.at);
        const list = facts.starts.get(event.id) ?? [];
        list.push({ at: event.at, instance });
        facts.starts.set(event.id, list);
        continue;
      }
      const start = open.get(event.id);
      open.delete(event.id);
      if (start !== undefined) addExecution(facts.executions, event.id, { instance, start, end: event.at, finished: true });
      if (event.kind !== 'H') continue;
      facts.handledLines++;
      facts.handledNumbers.add(event.n);
      const byInstance = facts.handledAt.get(event.id) ?? new Map<number, number>();
      facts.handledAt.set(event.id, byInstance.set(instance, event.at));
      facts.handledIds.set(event.id, (facts.handledIds.get(event.id) ?? 0) + 1);
      const first = firstHandled.get(event.id);
      if (first === undefined) firstHandled.set(event.id, instance);
      else if (first === instance) facts.duplicateCauses.sameProcess++;
      else if ((killedAt.get(first) ?? Infinity) < event.at) facts.duplicateCauses.afterKill++;
      else facts.duplicateCauses.other++;
    }
    for (const [id, start] of open) addExecution(facts.executions, id, { instance, start, end: killedAt.get(instance) ?? Infinity, finished: false });
  }
  return facts;
}

/** The dead letters against the poison entries: exactly those, each once. */
function deadLetterFacts(dead: readonly RawStreamEntry[], poisonIds: Set<string>, executions: Map<string, Execution[]>) {
  const count = new Map<string, number>();
  const at = new Map<string, number>();
  const reasons: Record<string, number> = {};
  for (const letter of dead) {
    const id = field(letter.fields, 'dead.id') ?? '?';
    count.set(id, (count.get(id) ?? 0) + 1);
    at.set(id, Number(field(letter.fields, 'dead.at') ?? 0));
    const reason = (field(letter.fields, 'dead.reason') ?? '').split(/[:(]/)[0]?.replace(/\d+/g, 'N').trim() ?? '';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  let notPoison = 0;
  let crashExhausted = 0;
  let twice = 0;
  for (const [id, times] of count) {
    if (!poisonIds.has(id)) {
      notPoison += times;
      // By design, deliveries that never produced an outcome count toward maxDeliveries (a message
      // that kills its consumer every time is a poison pill). Proven here when every handler run of
      // the entry was cut short by a SIGKILL of its process.
      const runs = executions.get(id) ?? [];
      if (runs.length > 0 && runs.every((run) => !run.finished && Number.isFinite(run.end))) crashExhausted += times;
    }
    if (times > 1) twice += times - 1;
  }
  const missing = [...poisonIds].filter((id) => !count.has(id)).length;
  const exact = notPoison === 0 && missing === 0 && twice === 0 && dead.length === poisonIds.size;
  return { count, at, reasons, notPoison, crashExhausted, twice, missing, exact };
}

/** Computes the verdict. */
export function verify(e: Evidence): Verdict {
  const { entries, numbers, poisonIds, poisonNumbers } = indexStream(e.stream);
  const acknowledged = e.sendStats.ids.filter((id): id is string => id !== undefined);
  const ledger = ledgerFacts(e.ledgers);
  const dead = deadLetterFacts(e.dead, poisonIds, ledger.executions);

  // Lost: neither handled nor in the dead letters (a poison message: not in the dead letters).
  const deadNumbers = new Set<number>();
  for (const id of dead.count.keys()) {
    const payload = entries.get(id);
    if (payload !== undefined) deadNumbers.add(payload.n);
  }
  const lostNumbers: number[] = [];
  for (let i = 0; i < e.n; i++) {
    const done = deadNumbers.has(i) || (!poisonNumbers.has(i) && ledger.handledNumbers.has(i));
    if (!done) lostNumbers.push(i);
  }
  let lostEntries = 0;
  for (const [id, payload] of entries) {
    const done = dead.count.has(id) || (payload?.p !== 1 && ledger.handledIds.has(id));
    if (!done) lostEntries++;
  }
  let longHandlers = 0;
  for (const [id, payload] of entries) if ((payload?.ms ?? 0) >= e.visibilityTimeoutMs && ledger.handledIds.has(id)) longHandlers++;
  const duplicates = ledger.handledLines - ledger.handledIds.size;

  return {
    sent: acknowledged.length,
    streamEntries: entries.size,
    acknowledgedButMissing: acknowledged.filter((id) => !entries.has(id)).length,
    producerDuplicates: entries.size - numbers.size,
    nonPoison: e.n - poisonNumbers.size,
    poison: poisonNumbers.size,
    poisonEntries: poisonIds.size,
    handledUnique: ledger.handledNumbers.size,
    handledEntries: ledger.handledIds.size,
    lost: lostNumbers.length,
    lostEntries,
    lostSample: lostNumbers.slice(0, 20),
    handlerRuns: ledger.handlerRuns,
    handledLines: ledger.handledLines,
    duplicates,
    duplicateRate: ledger.handledIds.size === 0 ? 0 : duplicates / ledger.handledIds.size,
    duplicateCauses: ledger.duplicateCauses,
    maxHandledPerEntry: [...ledger.handledIds.values()].reduce((max, times) => Math.max(max, times), 0),
    deadLetters: e.dead.length,
    deadLettersExact: dead.exact,
    deadNotPoison: dead.notPoison,
    crashExhausted: dead.crashExhausted,
    deadMissing: dead.missing,
    deadTwice: dead.twice,
    deadReasons: dead.reasons,
    pendingLeft: e.pendingLeft,
    allDelivered: e.allDelivered,
    redelivery: redeliveries(e.kills, ledger.starts, dead.at, ledger.handledAt),
    longHandlers,
    ...takeovers(ledger.executions, entries, e),
  };
}

function addExecution(executions: Map<string, Execution[]>, id: string, execution: Execution): void {
  const list = executions.get(id);
  if (list) list.push(execution);
  else executions.set(id, [execution]);
}

/** For each consumer SIGKILL: how long until each entry it held started again elsewhere (or was dead-lettered). */
function redeliveries(
  kills: readonly KillRecord[], starts: Map<string, { at: number; instance: number }[]>, deadAt: Map<string, number>, handledAt: Map<string, Map<number, number>>,
): Verdict['redelivery'] {
  const slowestPerKill: number[] = [];
  let entries = 0;
  let notRedelivered = 0;
  let settledInFlight = 0;
  for (const kill of kills) {
    if (kill.held === null) continue;
    let slowest = 0;
    for (const id of kill.held) {
      entries++;
      // Settled by the killed process itself — handled (its XACK still on its way through the
      // proxy) or dead-lettered (the script still on its way) when the held entries were listed —
      // and landed after. Nothing to redeliver. The victim's ledger line may carry a time a little
      // after `kill.at` (taken just before the signal was sent; the process runs on until the
      // kernel delivers it): a dead process writes nothing, so any handled line of the victim counts.
      const startedAgain = (starts.get(id) ?? []).some((s) => s.at >= kill.at && s.instance !== kill.instance);
      const handledByVictim = handledAt.get(id)?.get(kill.instance);
      const deadBefore = (deadAt.get(id) ?? Infinity) <= kill.at;
      if (!startedAgain && (handledByVictim !== undefined || deadBefore)) {
        settledInFlight++;
        continue;
      }
      let when = Infinity;
      for (const start of starts.get(id) ?? []) if (start.instance !== kill.instance && start.at >= kill.at) when = Math.min(when, start.at);
      const dead = deadAt.get(id);
      if (dead !== undefined && dead >= kill.at) when = Math.min(when, dead);
      if (when === Infinity) notRedelivered++;
      else slowest = Math.max(slowest, when - kill.at);
    }
    if (kill.held.length > 0) slowestPerKill.push(slowest);
  }
  return {
    kills: kills.length,
    measuredKills: kills.filter((k) => k.held !== null).length,
    entries,
    settledInFlight,
    slowestMs: slowestPerKill.length === 0 ? 0 : Math.max(...slowestPerKill),
    medianSlowestMs: median(slowestPerKill),
    notRedelivered,
  };
}

/** Entries whose handler was started by a second process while the first one was still running it (a lease not kept). */
function takeovers(executions: Map<string, Execution[]>, entries: Map<string, TorturePayload | undefined>, e: Evidence) {
  const vt = e.visibilityTimeoutMs;
  const windows = e.faults
    .filter((f) => f.kind !== 'consumer-kill')
    .map((f) => [f.at - vt, f.endAt + 2 * vt] as const);
  const inFaultWindow = (t: number): boolean => windows.some(([from, to]) => t >= from && t <= to);
  let takenOverWhileRunning = 0;
  let takenOverOutsideFaults = 0;
  let takenOverLongHandlers = 0;
  for (const [id, list] of executions) {
    if (list.length < 2) continue;
    let overlap: number | undefined;
    for (let i = 0; i < list.length && overlap === undefined; i++) {
      for (let j = 0; j < list.length; j++) {
        const a = list[i] as Execution;
        const b = list[j] as Execution;
        if (a.instance !== b.instance && a.start < b.start && b.start < a.end) {
          overlap = b.start;
          break;
        }
      }
    }
    if (overlap === undefined) continue;
    takenOverWhileRunning++;
    if (!inFaultWindow(overlap)) takenOverOutsideFaults++;
    if ((entries.get(id)?.ms ?? 0) >= vt) takenOverLongHandlers++;
  }
  return { takenOverWhileRunning, takenOverOutsideFaults, takenOverLongHandlers };
}
