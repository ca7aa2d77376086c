/**
 * The chain of admission gates a consumer was configured with, asked in their fixed order: a
 * message a gate holds back is not shown to the gates after it.
 */
import type { Message } from '../consumer/message.js';
import type { AdmissionGate, Decision } from './gate.js';

/** Runs messages through gates in order. */
export class Admission {
  readonly #gates: readonly AdmissionGate[];

  constructor(gates: readonly AdmissionGate[]) {
    this.#gates = gates;
  }

  /** The gates, in order. */
  get gates(): readonly AdmissionGate[] {
    return this.#gates;
  }

  /** Whether every gate would admit any message now (the messages may skip the asking). */
  isOpen(now: number): boolean {
    for (const gate of this.#gates) if (gate.isOpen?.(now) !== true) return false;
    return true;
  }

  /** For each message: `true` (every gate let it through) or when to ask again (the first gate that held it back decides). */
  async decide(messages: readonly Message<unknown>[], now: number): Promise<Decision[]> {
    const decisions: Decision[] = messages.map(() => true);
    let asked = messages.map((_message, index) => index);
    for (const gate of this.#gates) {
      if (asked.length === 0) break;
      const answers = await gate.admit(asked.map((index) => messages[index] as Message<unknown>), now);
      const passed: number[] = [];
      answers.forEach((answer, j) => {
        const index = asked[j] as number;
        if (answer === true) passed.push(index);
        else decisions[index] = answer;
      });
      asked = passed;
    }
    return decisions;
  }

  /** A message that was admitted has settled. */
  release(message: Message<unknown>): void {
    for (const gate of this.#gates) gate.release?.(message);
  }

  /** Starts every gate; `onChange` re-checks held messages at once. */
  async start(onChange: () => void): Promise<void> {
    for (const gate of this.#gates) await gate.start?.(onChange);
  }

  /** Stops every gate. */
  async close(): Promise<void> {
    for (const gate of this.#gates) await gate.close?.();
  }
}
