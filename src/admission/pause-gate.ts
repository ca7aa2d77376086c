/**
 * The pause gate: a paused group starts no new handler, in any process. The pause lives in Redis
 * (a hash in the stream's slot, ended on Redis's clock), so it holds for every consumer of the
 * group, including one started while the group is paused; each consumer polls it every
 * `pollMs`, so a pause takes effect within that time plus a round trip. A consumer can also be
 * paused on its own (`consumer.pause(ms)`), without Redis.
 *
 * Running handlers finish and are acknowledged; messages already read wait here, their leases
 * renewed, and start after the resume.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { pauseState } from '../scripts/index.js';
import type { AdmissionGate, Decision } from './gate.js';

/** The pause gate of one consumer. */
export class PauseGate implements AdmissionGate {
  readonly name = 'pause';
  readonly #connection: Connection;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #pollMs: number;
  readonly #onError: (error: Error) => void;
  /** Group pause (from Redis): until when locally, Infinity until resumed, 0 when not paused. */
  #groupUntil = 0;
  /** This consumer's own pause. */
  #localUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #onChange: () => void = () => undefined;

  constructor(init: { connection: Connection; keys: StreamKeys; group: string; pollMs: number; onError: (error: Error) => void }) {
    this.#connection = init.connection;
    this.#keys = init.keys;
    this.#group = init.group;
    this.#pollMs = init.pollMs;
    this.#onError = init.onError;
  }

  /** Until when new handlers wait (ms since the epoch; Infinity: until resumed), or 0 when they may start. */
  pausedUntil(now = Date.now()): number {
    const until = Math.max(this.#groupUntil, this.#localUntil);
    return until > now ? until : 0;
  }

  isOpen(now: number): boolean {
    return this.pausedUntil(now) === 0;
  }

  admit(messages: readonly unknown[], now: number): Decision[] {
    const until = this.pausedUntil(now);
    if (until === 0) return messages.map(() => true);
    // Asked again at the end of a timed pause, or at the next poll (a resume is noticed there).
    return messages.map(() => Math.min(until, now + this.#pollMs));
  }

  /** Pauses this consumer alone, for `ms` or until {@link PauseGate.resumeLocal}. */
  pauseLocal(ms: number | undefined): void {
    this.#localUntil = ms === undefined ? Infinity : Math.max(this.#localUntil, Date.now() + ms);
  }

  /** Ends this consumer's own pause. */
  resumeLocal(): void {
    this.#localUntil = 0;
    this.#onChange();
  }

  /** Reads the group's pause now (also done every `pollMs`). */
  async poll(): Promise<void> {
    const wasPaused = this.pausedUntil() !== 0;
    const left = await pauseState(this.#connection, this.#keys, this.#group);
    this.#groupUntil = left === -1 ? 0 : left === 0 ? Infinity : Date.now() + left;
    if (wasPaused && this.pausedUntil() === 0) this.#onChange();
  }

  async start(onChange: () => void): Promise<void> {
    this.#onChange = onChange;
    // Known before the first handler starts: a consumer started in a paused group starts nothing.
    await this.poll();
    const tick = (): void => {
      this.poll().catch((error: Error) => this.#onError(error)).finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.#pollMs).unref();
      });
    };
    this.#timer = setTimeout(tick, this.#pollMs).unref();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
