import type { Producer } from '../index.js';
import { CliError, exitCodeFor } from './exit-codes.js';
import type { InputMessage } from './input.js';
import type { Progress } from './progress.js';

/** How `send` sends: batches of `batch` (one `sendMany`, one atomic script each), or one by one with a delay. */
export interface SendPlan {
  /** Messages per `sendMany` (each is one atomic script call: all of a batch is written, or none). */
  batch: number;
  /** Headers for every message. */
  headers?: Record<string, string>;
  /** Delay of every message (sent one by one then). */
  delayMs?: number;
  /** `line` (NDJSON input) or `argument` (JSON arguments): how positions are named. */
  unit: 'line' | 'argument';
}

/** What was sent before a failure stopped the sending. */
export interface PartialSend {
  /** Entry IDs of the messages sent, in order. */
  ids: string[];
  /** Position of the first message not known to be sent (resume there). */
  firstUnsent: number;
  /** Position of the last message of the batch in flight when it failed. */
  lastInFlight: number;
  /**
   * True when the connection failed with the batch in flight: Redis may have written it. False
   * when Redis answered with an error (OOM, READONLY…): the batch was not written.
   */
  uncertain: boolean;
  /** The error that stopped the sending. */
  error: unknown;
}

/** Raised when sending stopped part-way; carries what was sent. */
export class PartialSendError extends CliError {
  /** What was sent, and where to resume. */
  readonly partial: PartialSend;

  constructor(message: string, partial: PartialSend) {
    super(message, exitCodeFor(partial.error), { cause: partial.error });
    this.partial = partial;
  }
}

/** Whether Redis answered with an error (the batch was refused whole) rather than the connection failing. */
const refusedByRedis = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ERR_STREAMQ_REDIS';

/** The message of a {@link PartialSendError}: how many were sent, the first unsent position, how to resume. */
export const describePartial = (p: PartialSend, total: number, unit: SendPlan['unit'], reason: string): string => {
  const sent = p.ids.length;
  const lines = [`sending stopped: ${reason}`, `${sent} of ${total} messages were sent; the first unsent ${unit} is ${p.firstUnsent}.`];
  if (p.uncertain) {
    const span = p.lastInFlight > p.firstUnsent ? `${unit}s ${p.firstUnsent}–${p.lastInFlight} were` : `${unit} ${p.firstUnsent} was`;
    lines.push(`${span} in flight when the connection failed: Redis may have written ${p.lastInFlight > p.firstUnsent ? 'them' : 'it'}; check the stream's newest entries before resuming.`);
  }
  if (unit === 'line') lines.push(`Resume with --from-line ${p.firstUnsent}${p.uncertain ? ` (or --from-line ${p.lastInFlight + 1} if the batch was written)` : ''}.`);
  else lines.push(`Send the arguments from position ${p.firstUnsent} on again to resume.`);
  return lines.join('\n');
};

/**
 * Sends `messages` in order, batch after batch. Stops at the first failure and throws a
 * {@link PartialSendError} saying how many were sent and where to resume; nothing after the failed
 * batch is sent.
 */
export const sendInOrder = async (producer: Producer<unknown>, messages: InputMessage[], plan: SendPlan, progress: Progress): Promise<string[]> => {
  const ids: string[] = [];
  const size = plan.delayMs === undefined ? plan.batch : 1;
  const options = { ...(plan.headers ? { headers: plan.headers } : {}), ...(plan.delayMs !== undefined ? { delayMs: plan.delayMs } : {}) };
  for (let at = 0; at < messages.length; at += size) {
    const chunk = messages.slice(at, at + size);
    try {
      if (plan.delayMs !== undefined) ids.push(await producer.send((chunk[0] as InputMessage).value, options));
      else ids.push(...(await producer.sendMany(chunk.map((m) => m.value), plan.headers ? { headers: plan.headers } : undefined)));
    } catch (error) {
      const partial: PartialSend = {
        ids, firstUnsent: (chunk[0] as InputMessage).line, lastInFlight: (chunk[chunk.length - 1] as InputMessage).line, uncertain: !refusedByRedis(error), error,
      };
      throw new PartialSendError(describePartial(partial, messages.length, plan.unit, (error as Error).message), partial);
    }
    progress.increment(chunk.length);
  }
  return ids;
};
