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
  redelivery: { kills: number; measuredKills: number; entries: number; ackedInFlight: number; slowestMs: number; medianSlowestMs: number; notRedelivered: number };
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

/** Computes the verdict. */
export function verify(e: Evidence): Verdict {
  const entries = new Map<string, TorturePayload | undefined>();
  for (const entry of e.stream) entries.set(entry.id, decode(entry.fields));
  const numbersInStream = new Set<number>();
  const poisonIds = new Set<string>();
  for (const [id, payload] of entries) {
    if (payload === undefined) continue;
    numbersInStream.add(payload.n);
    if (payload.p === 1) poisonIds.add(id);
  }
  const acknowledged = e.sendStats.ids.filter((id): id is string => id !== undefined);
  const acknowledgedButMissing = acknowledged.filter((id) => !entries.has(id)).length;

  const ledgers = readLedgers(e.ledgers);
  const killedAt = new Map(e.ledgers.map((l) => [l.instance, l.killedAt]));
  const handledIds = new Map<string, number>();
  const handledNumbers = new Set<number>();
  let handledLines = 0;
  let handlerRuns = 0;
  const firstHandled = new Map<string, { instance: number; at: number }>();
  /** Entry ID → instance → when that instance handled it (last time). */
  const handledAt = new Map<string, Map<number, number>>();
  const duplicateCauses = { afterKill: 0, sameProcess: 0, other: 0 };
  const starts = new Map<string, { at: number; instance: number }[]>();
  const executions = new Map<string, Execution[]>();
  let longHandlers = 0;
  for (const [instance, events] of ledgers) {
    const open = new Map<string, number>();
    for (const event of events) {
      if (event.kind === 'S') {
        handlerRuns++;
        open.set(event.id, event.at);
        const list = starts.get(event.id);
        if (list) list.push({ at: event.at, instance });
        else starts.set(event.id, [{ at: event.at, instance }]);
        continue;
      }
      const start = open.get(event.id);
      open.delete(event.id);
      if (start !== undefined) addExecution(executions, event.id, { instance, start, end: event.at, finished: true });
      if (event.kind !== 'H') continue;
      handledLines++;
      handledNumbers.add(event.n);
      const byInstance = handledAt.get(event.id) ?? new Map<number, number>();
      byInstance.set(instance, event.at);
      handledAt.set(event.id, byInstance);
      const times = (handledIds.get(event.id) ?? 0) + 1;
      handledIds.set(event.id, times);
      const first = firstHandled.get(event.id);
      if (first === undefined) firstHandled.set(event.id, { instance, at: event.at });
      else if (first.instance === instance) duplicateCauses.sameProcess++;
      else if ((killedAt.get(first.instance) ?? Infinity) < event.at) duplicateCauses.afterKill++;
      else duplicateCauses.other++;
    }
    for (const [id, start] of open) addExecution(executions, id, { instance, start, end: killedAt.get(instance) ?? Infinity, finished: false });
  }
  for (const [id, payload] of entries) if (payload?.ms !== undefined && payload.ms >= e.visibilityTimeoutMs && handledIds.has(id)) longHandlers++;

  // Dead letters: exactly the poison entries, each once.
  const deadCount = new Map<string, number>();
  const deadAt = new Map<string, number>();
  const deadReasons: Record<string, number> = {};
  for (const dead of e.dead) {
    const id = field(dead.fields, 'dead.id') ?? '?';
    deadCount.set(id, (deadCount.get(id) ?? 0) + 1);
    deadAt.set(id, Number(field(dead.fields, 'dead.at') ?? 0));
    const reason = (field(dead.fields, 'dead.reason') ?? '').split(/[:(]/)[0]?.replace(/\d+/g, 'N').trim() ?? '';
    deadReasons[reason] = (deadReasons[reason] ?? 0) + 1;
  }
  let deadNotPoison = 0;
  let crashExhausted = 0;
  let deadTwice = 0;
  for (const [id, count] of deadCount) {
    if (!poisonIds.has(id)) {
      deadNotPoison += count;
      // By design, deliveries that never produced an outcome count toward maxDeliveries (a message
      // that kills its consumer every time is a poison pill). Proven here when every handler run of
      // the entry was cut short by a SIGKILL of its process.
      const runs = executions.get(id) ?? [];
      if (runs.length > 0 && runs.every((run) => !run.finished && Number.isFinite(run.end))) crashExhausted += count;
    }
    if (count > 1) deadTwice += count - 1;
  }
  const deadMissing = [...poisonIds].filter((id) => !deadCount.has(id)).length;

  // Lost: a message number never handled (poison: never dead-lettered); an entry neither handled nor dead-lettered.
  const lostNumbers: number[] = [];
  const poisonNumbers = new Set<number>();
  for (const id of poisonIds) {
    const payload = entries.get(id) as TorturePayload;
    poisonNumbers.add(payload.n);
  }
  const deadNumbers = new Set<number>();
  for (const id of deadCount.keys()) {
    const payload = entries.get(id);
    if (payload !== undefined) deadNumbers.add(payload.n);
  }
  // Lost: neither handled nor in the dead letters (a poison message: not in the dead letters).
  for (let i = 0; i < e.n; i++) {
    const done = poisonNumbers.has(i) ? deadNumbers.has(i) : handledNumbers.has(i) || deadNumbers.has(i);
    if (!done) lostNumbers.push(i);
  }
  let lostEntries = 0;
  for (const [id, payload] of entries) {
    const done = payload?.p === 1 ? deadCount.has(id) : handledIds.has(id) || deadCount.has(id);
    if (!done) lostEntries++;
  }

  let maxHandledPerEntry = 0;
  for (const times of handledIds.values()) maxHandledPerEntry = Math.max(maxHandledPerEntry, times);
  const duplicates = handledLines - handledIds.size;

  return {
    sent: acknowledged.length,
    streamEntries: entries.size,
    acknowledgedButMissing,
    producerDuplicates: entries.size - numbersInStream.size,
    nonPoison: e.n - poisonNumbers.size,
    poison: poisonNumbers.size,
    poisonEntries: poisonIds.size,
    handledUnique: handledNumbers.size,
    handledEntries: handledIds.size,
    lost: lostNumbers.length,
    lostEntries,
    lostSample: lostNumbers.slice(0, 20),
    handlerRuns,
    handledLines,
    duplicates,
    duplicateRate: handledIds.size === 0 ? 0 : duplicates / handledIds.size,
    duplicateCauses,
    maxHandledPerEntry,
    deadLetters: e.dead.length,
    deadLettersExact: deadNotPoison === 0 && deadMissing === 0 && deadTwice === 0 && e.dead.length === poisonIds.size,
    deadNotPoison,
    crashExhausted,
    deadMissing,
    deadTwice,
    deadReasons,
    pendingLeft: e.pendingLeft,
    allDelivered: e.allDelivered,
    redelivery: redeliveries(e.kills, starts, deadAt, handledAt),
    longHandlers,
    ...takeovers(executions, entries, e),
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
  let ackedInFlight = 0;
  for (const kill of kills) {
    if (kill.held === null) continue;
    let slowest = 0;
    for (const id of kill.held) {
      entries++;
      // Handled by the killed process just before the kill: its XACK was still on its way through
      // the proxy when the held entries were listed, and landed after. Nothing to redeliver.
      const handledByVictim = handledAt.get(id)?.get(kill.instance);
      if (handledByVictim !== undefined && handledByVictim <= kill.at && !(starts.get(id) ?? []).some((s) => s.at >= kill.at)) {
        ackedInFlight++;
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
    ackedInFlight,
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
