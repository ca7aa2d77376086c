/**
 * Admission gates: between reading an entry and starting its handler, a message passes each gate
 * in a fixed order (paused group → per-key concurrency → rate limit). A gate answers, for each
 * message it is asked about, either "start it" or "not before this time". A message a gate holds
 * back stays held by its consumer — its lease renewed, no delivery counted — and is asked about
 * again at that time, or sooner when the gate says its state changed. Gates whose state spans
 * processes keep it in Redis (Lua, in the stream's cluster slot).
 */
import type { Message } from '../consumer/message.js';

/** A gate's answer for one message: `true` to start it now, or the time (ms since the epoch) to ask again. */
export type Decision = true | number;

/** One admission gate. */
export interface AdmissionGate {
  /** What it checks (`pause`, `key-concurrency`, `rate-limit`…), for messages and metrics. */
  readonly name: string;
  /**
   * Decides, for messages in order, which may start now. A gate that admits a message takes
   * whatever it hands out (a rate token, a key slot) at once. A later gate may still hold the
   * message back: asked again about the same message, a gate must answer from what it already
   * gave it (idempotent per message), never take a second share.
   */
  admit(messages: readonly Message<unknown>[], now: number): Decision[] | Promise<Decision[]>;
  /**
   * Whether the gate would admit any message now without asking anyone (not paused, say): lets
   * the consumer skip the asking altogether on its hot path. Absent: never.
   */
  isOpen?(now: number): boolean;
  /** A message this gate admitted has settled (a concurrency gate frees its slot). */
  release?(message: Message<unknown>): void;
  /** Starts the gate's background work (polling shared state); `onChange` asks for messages to be re-checked at once. */
  start?(onChange: () => void): Promise<void> | void;
  /** Stops it. */
  close?(): Promise<void> | void;
}
