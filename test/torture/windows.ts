/**
 * What each injected fault can explain, for the torture verdict. Nothing is exempted for being
 * "near" a fault; each fault explains only what it can cause:
 *
 * - a consumer SIGKILL explains a second handling of an entry the victim held when it died (its
 *   ack never left), and nothing else;
 * - a Redis outage (kill -9 … restart) or a connection cut explains a second handling, or a
 *   takeover, of an entry whose earlier run overlapped the fault window: from `ACK_SLACK_MS`
 *   before the fault (an ack sent just before it was lost with the connection) to one visibility
 *   timeout after it ended (lease renewals failed during the fault, and after a restart the PEL's
 *   idle times include the outage, so other consumers' sweeps may take entries over until the
 *   owner's next renewal).
 */
import type { FaultRecord, KillRecord } from './chaos.js';
import type { Execution } from './ledger.js';

/**
 * How long before a fault a handler may have returned and still lost its ack to it: the ack goes
 * out on the next event-loop turn, through the proxy; 500 ms covers a loaded 2-vCPU machine.
 */
export const ACK_SLACK_MS = 500;

/** One outage or cut. */
export interface FaultWindow {
  kind: 'outage' | 'cut';
  at: number;
  endAt: number;
}

/** The faults of one run, and what each explains. */
export class FaultWindows {
  readonly windows: FaultWindow[];
  readonly #vt: number;
  readonly #killsByInstance = new Map<number, KillRecord>();

  constructor(faults: readonly FaultRecord[], kills: readonly KillRecord[], visibilityTimeoutMs: number) {
    this.windows = faults
      .filter((f) => f.kind !== 'consumer-kill')
      .map((f) => ({ kind: f.kind === 'redis-kill' ? 'outage' : 'cut', at: f.at, endAt: f.endAt }));
    this.#vt = visibilityTimeoutMs;
    for (const kill of kills) this.#killsByInstance.set(kill.instance, kill);
  }

  /** The kill of `instance`, if it was killed. */
  killOf(instance: number): KillRecord | undefined {
    return this.#killsByInstance.get(instance);
  }

  /** Whether the SIGKILL of the run's process explains a later handling of `id`: the victim held it when it died. */
  killExplains(run: Execution, id: string): boolean {
    const kill = this.#killsByInstance.get(run.instance);
    return kill !== undefined && kill.held !== null && kill.held.includes(id);
  }

  /** The outage or cut that explains why `run` did not settle its entry for good (it overlapped the fault window). */
  faultExplaining(run: Execution): FaultWindow | undefined {
    return this.windows.find((w) => run.start <= w.endAt + this.#vt && run.end >= w.at - ACK_SLACK_MS);
  }

  /**
   * The fault that explains a second process starting an entry at `takenAt` while `run` still ran
   * it: the run was live during the fault, and the takeover came during it or within one
   * visibility timeout after it.
   */
  faultExplainingTakeover(run: Execution, takenAt: number): FaultWindow | undefined {
    return this.windows.find((w) => run.start <= w.endAt && takenAt >= w.at && takenAt <= w.endAt + this.#vt);
  }

  /** When redelivery can begin after a kill at `t`: at once, or when the Redis outage under way ends. */
  redeliveryClockStart(t: number): number {
    const outage = this.windows.find((w) => w.kind === 'outage' && t >= w.at && t <= w.endAt);
    return outage === undefined ? t : outage.endAt;
  }
}
