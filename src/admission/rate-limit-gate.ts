/**
 * The rate-limit gate: at most `max` handler starts per `perMs` for the whole group (and, with a
 * key, for each key), across every consumer process — one budget in Redis. The budget is a
 * sliding-window log per limit (rate-limit.lua): every start is logged with Redis's time, so every
 * window of `perMs` on Redis's clock holds at most `max` starts, however many consumers ask and
 * whatever their clocks say. One script call covers a batch of messages.
 *
 * A message held back is asked about again when the script says the window has room; it keeps
 * its lease and counts no delivery meanwhile (the dispatcher's part). Grants are never given back:
 * a start is a start, even if the handler fails or its consumer dies.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from '../connection.js';
import type { Message } from '../consumer/message.js';
import type { GateKeys } from '../keys.js';
import type { Metrics } from '../metrics.js';
import { takeRateGrants, type GateRequest } from '../scripts/gates.js';
import type { AdmissionGate, Decision } from './gate.js';
import { keyOf, type ResolvedRateLimits } from './limits.js';

/** What the gate is built from. */
export interface RateLimitGateInit {
  connection: Connection;
  keys: GateKeys;
  limits: ResolvedRateLimits<unknown>;
  /** This consumer's name (part of each start's token, for whoever reads the log). */
  consumer: string;
  metrics: Metrics;
  onError(error: Error): void;
}

/** When each message was granted, on Redis's clock (tests read it to check windows exactly). */
const grantTimes = new WeakMap<Message<unknown>, number>();

/** @internal When the rate-limit gate let `message` start (ms on Redis's clock), while it runs. */
export function rateGrantTime(message: Message<unknown>): number | undefined {
  return grantTimes.get(message);
}

/** The rate-limit gate of one consumer. */
export class RateLimitGate implements AdmissionGate {
  readonly name = 'rate-limit';
  readonly #init: RateLimitGateInit;
  /** Messages held back in their current wait (counted once in the metric). */
  readonly #waiting = new WeakSet<Message<unknown>>();
  /**
   * Prefix of this gate's tokens. Unique per gate, not just per consumer name: the consumers of a
   * PartitionedConsumer share a name and a log, and a consumer restarted under its name must not
   * overwrite its dead self's starts still in the window (a log entry is a sorted-set member).
   */
  readonly #tokenPrefix: string;
  #sequence = 0;

  constructor(init: RateLimitGateInit) {
    this.#init = init;
    this.#tokenPrefix = `${init.consumer}:${randomBytes(6).toString('hex')}:`;
  }

  async admit(messages: readonly Message<unknown>[]): Promise<Decision[]> {
    const answers: Decision[] = messages.map(() => true);
    const asked: number[] = [];
    const requests: GateRequest[] = [];
    const { limits, onError } = this.#init;
    messages.forEach((message, index) => {
      // Granted already (a later gate held it back): the grant stands, no second share is taken.
      if (grantTimes.has(message)) return;
      asked.push(index);
      const key = limits.key === undefined ? undefined : keyOf(limits.key.key, message, 'rateLimit.key', onError);
      requests.push({ token: `${this.#tokenPrefix}${++this.#sequence}`, key });
    });
    if (requests.length === 0) return answers;
    const reply = await takeRateGrants(this.#init.connection, this.#init.keys, { group: limits.group, key: limits.key }, requests);
    const answered = Date.now();
    asked.forEach((index, j) => {
      const message = messages[index] as Message<unknown>;
      const wait = reply.waits[j] ?? 0;
      if (wait === 0) {
        grantTimes.set(message, reply.now);
        this.#waiting.delete(message);
        return;
      }
      if (!this.#waiting.has(message)) {
        this.#waiting.add(message);
        this.#init.metrics.counters.heldByRateLimit++;
      }
      answers[index] = answered + wait;
    });
    return answers;
  }

  /** The message settled (or was deferred with `retryAfter`): its next run is a new start. */
  release(message: Message<unknown>): void {
    grantTimes.delete(message);
    this.#waiting.delete(message);
  }
}
