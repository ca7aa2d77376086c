/**
 * What the consumer processes' ledgers say, for the torture verdict: every handler run (its start,
 * its end, whether it returned), every handling (a run that succeeded), every start, per entry —
 * each list in time order, whatever the order the ledger files are read in.
 */
import { readFileSync } from 'node:fs';
import { parseLedger, type LedgerEvent } from './protocol.js';

/** One consumer process's ledger, with when it was SIGKILLed (if it was). */
export interface LedgerSource {
  instance: number;
  name: string;
  path: string;
  killedAt: number | undefined;
}

/** One handler run of an entry. */
export interface Execution {
  instance: number;
  start: number;
  /** When it returned (H or F), or when its process was SIGKILLed (Infinity: never, as far as known). */
  end: number;
  /** Whether the handler returned (H or F); false: its process was SIGKILLed first. */
  finished: boolean;
  /** Whether it succeeded (an H line). */
  handled: boolean;
}

/** What the ledgers hold, indexed by entry ID. */
export interface LedgerFacts {
  handlerRuns: number;
  handledLines: number;
  handledNumbers: Set<number>;
  /** Entry ID → its handler runs, by start time. */
  executions: Map<string, Execution[]>;
  /** Entry ID → its successful runs (H lines), by the time the handler returned. */
  handlings: Map<string, Execution[]>;
  /** Entry ID → every handler start, by time. */
  starts: Map<string, { at: number; instance: number }[]>;
  /** Entry ID → the message number its payload carries. */
  numbers: Map<string, number>;
  /** Consumer name of each instance. */
  names: Map<number, string>;
}

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

const push = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** Reads the ledgers and indexes them. */
export function ledgerFacts(sources: readonly LedgerSource[]): LedgerFacts {
  const killedAt = new Map(sources.map((l) => [l.instance, l.killedAt]));
  const facts: LedgerFacts = {
    handlerRuns: 0, handledLines: 0, handledNumbers: new Set(),
    executions: new Map(), handlings: new Map(), starts: new Map(), numbers: new Map(), names: new Map(sources.map((l) => [l.instance, l.name])),
  };
  for (const [instance, events] of readLedgers(sources)) {
    const open = new Map<string, number>();
    for (const event of events) {
      facts.numbers.set(event.id, event.n);
      if (event.kind === 'S') {
        facts.handlerRuns++;
        open.set(event.id, event.at);
        push(facts.starts, event.id, { at: event.at, instance });
        continue;
      }
      const start = open.get(event.id) ?? event.at;
      open.delete(event.id);
      const execution: Execution = { instance, start, end: event.at, finished: true, handled: event.kind === 'H' };
      push(facts.executions, event.id, execution);
      if (event.kind !== 'H') continue;
      facts.handledLines++;
      facts.handledNumbers.add(event.n);
      push(facts.handlings, event.id, execution);
    }
    for (const [id, start] of open) push(facts.executions, id, { instance, start, end: killedAt.get(instance) ?? Infinity, finished: false, handled: false });
  }
  for (const list of facts.executions.values()) list.sort((a, b) => a.start - b.start);
  for (const list of facts.handlings.values()) list.sort((a, b) => a.end - b.end);
  for (const list of facts.starts.values()) list.sort((a, b) => a.at - b.at);
  return facts;
}
