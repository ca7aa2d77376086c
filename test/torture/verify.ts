/**
 * The verdict of a torture run, computed from what Redis holds at the end (the stream, the
 * dead-letter stream, the group) and what the consumer processes wrote to their ledgers — never
 * from the library's own counters, which are reported beside it for information only.
 * Duplicates are classified in duplicates.ts, the fate of killed consumers' entries and takeovers
 * in redelivery.ts, against what each fault can explain (windows.ts).
 */
import type { KillRecord, FaultRecord } from './chaos.js';
import { duplicateFacts, type DuplicateCauses } from './duplicates.js';
import { ledgerFacts, type Execution, type LedgerSource } from './ledger.js';
import type { RawStreamEntry } from './monitor.js';
import type { TorturePayload } from './protocol.js';
import { redeliveries, takeovers, type RedeliveryFacts } from './redelivery.js';
import type { SendStats } from './sender.js';
import { FaultWindows } from './windows.js';

export type { LedgerSource } from './ledger.js';

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
  /** Consumer-side duplicates: handlings beyond the first of each entry. */
  duplicates: number;
  /** Consumer-side duplicates per handled entry. */
  duplicateRate: number;
  duplicateCauses: DuplicateCauses;
  maxHandledPerEntry: number;
  /** Most handlings of one entry, leaving out those a kill, an outage or a cut explains. */
  maxHandledOutsideFaults: number;
  /** Entries handled more than twice outside fault causes. */
  overTwiceOutsideFaults: number;
  unexplainedDuplicateSample: string[];
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
  redelivery: RedeliveryFacts;
  longHandlers: number;
  takenOverWhileRunning: number;
  takenOverOutsideFaults: number;
  takenOverLongHandlers: number;
  takeoverSample: string[];
}

/** The JSON payload of a streamq entry (field `d`), or undefined. */
export function decodePayload<T>(fields: string[]): T | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'd') {
      try {
        return JSON.parse(fields[i + 1] as string) as T;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The value of a named field of a raw entry. */
export function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** What the stream holds: each entry's payload, the poison entries, the message numbers present. */
function indexStream(stream: readonly RawStreamEntry[]) {
  const entries = new Map<string, TorturePayload | undefined>();
  const numbers = new Set<number>();
  const poisonIds = new Set<string>();
  const poisonNumbers = new Set<number>();
  for (const entry of stream) {
    const payload = decodePayload<TorturePayload>(entry.fields);
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

/** The dead letters against the poison entries: exactly those, each once. */
function deadLetterFacts(dead: readonly RawStreamEntry[], poisonIds: Set<string>, executions: Map<string, Execution[]>) {
  const count = new Map<string, number>();
  const at = new Map<string, number>();
  const reasons: Record<string, number> = {};
  for (const letter of dead) {
    const id = fieldOf(letter.fields, 'dead.id') ?? '?';
    count.set(id, (count.get(id) ?? 0) + 1);
    at.set(id, Number(fieldOf(letter.fields, 'dead.at') ?? 0));
    const reason = (fieldOf(letter.fields, 'dead.reason') ?? '').split(/[:(]/)[0]?.replace(/\d+/g, 'N').trim() ?? '';
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
  const windows = new FaultWindows(e.faults, e.kills, e.visibilityTimeoutMs);

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
    const done = dead.count.has(id) || (payload?.p !== 1 && ledger.handlings.has(id));
    if (!done) lostEntries++;
  }
  const isLong = (id: string): boolean => (entries.get(id)?.ms ?? 0) >= e.visibilityTimeoutMs;
  let longHandlers = 0;
  for (const id of entries.keys()) if (isLong(id) && ledger.handlings.has(id)) longHandlers++;
  const duplicates = duplicateFacts(ledger.handlings, windows);

  return {
    sent: acknowledged.length,
    streamEntries: entries.size,
    acknowledgedButMissing: acknowledged.filter((id) => !entries.has(id)).length,
    producerDuplicates: entries.size - numbers.size,
    nonPoison: e.n - poisonNumbers.size,
    poison: poisonNumbers.size,
    poisonEntries: poisonIds.size,
    handledUnique: ledger.handledNumbers.size,
    handledEntries: ledger.handlings.size,
    lost: lostNumbers.length,
    lostEntries,
    lostSample: lostNumbers.slice(0, 20),
    handlerRuns: ledger.handlerRuns,
    handledLines: ledger.handledLines,
    duplicates: duplicates.duplicates,
    duplicateRate: ledger.handlings.size === 0 ? 0 : duplicates.duplicates / ledger.handlings.size,
    duplicateCauses: duplicates.causes,
    maxHandledPerEntry: duplicates.maxHandledPerEntry,
    maxHandledOutsideFaults: duplicates.maxHandledOutsideFaults,
    overTwiceOutsideFaults: duplicates.overTwiceOutsideFaults,
    unexplainedDuplicateSample: duplicates.unexplainedSample,
    deadLetters: e.dead.length,
    deadLettersExact: dead.exact,
    deadNotPoison: dead.notPoison,
    crashExhausted: dead.crashExhausted,
    deadMissing: dead.missing,
    deadTwice: dead.twice,
    deadReasons: dead.reasons,
    pendingLeft: e.pendingLeft,
    allDelivered: e.allDelivered,
    redelivery: redeliveries(e.kills, ledger, dead.at, windows),
    longHandlers,
    ...takeovers(ledger.executions, isLong, windows),
  };
}
