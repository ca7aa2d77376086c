/**
 * The producer side of a torture run: every payload is sent with `Producer.send` (through the
 * fault proxy), `sendConcurrency` at a time, and retried until Redis acknowledges it. A failed
 * send whose command may have reached Redis (the connection dropped before the reply) may still
 * have been added: the stream can then hold the message twice — producer-side duplicates, counted
 * from the stream itself at the end. Flow control keeps sent-but-not-handled under `backlog`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError, StreamqError, type Producer } from '../../src/index.js';

/** What sending took. */
export interface SendStats {
  /** Messages acknowledged by Redis. */
  sent: number;
  /** Failed attempts, each retried. */
  failedAttempts: number;
  /** Failed attempts whose command may have reached Redis (connection errors): the possible source of producer-side duplicates. */
  uncertainAttempts: number;
  /** Failed attempts by error code. */
  errors: Record<string, number>;
  /** The most attempts one message needed. */
  maxAttempts: number;
  /** The acknowledged entry ID of each message number. */
  ids: (string | undefined)[];
  /** When the last message was acknowledged. */
  finishedAt: number;
}

/** Empty figures for `count` messages (filled in live by {@link sendAll}). */
export function newSendStats(count: number): SendStats {
  return { sent: 0, failedAttempts: 0, uncertainAttempts: 0, errors: {}, maxAttempts: 0, ids: new Array<string | undefined>(count), finishedAt: 0 };
}

/**
 * Sends every payload (with `producer.send`, or a function that sends one), retrying each until
 * acknowledged, and fills `stats` as it goes; `mayContinue` is polled before each send (flow control).
 */
export async function sendAll<P extends { n: number }>(
  producer: Pick<Producer<P>, 'send'> | ((payload: P) => Promise<string>),
  payloads: readonly P[],
  stats: SendStats,
  options: { concurrency: number; mayContinue: () => boolean; onError?: (error: Error) => void; abort?: () => Error | undefined },
): Promise<SendStats> {
  const send = typeof producer === 'function' ? producer : (payload: P) => producer.send(payload);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      while (!options.mayContinue()) {
        const aborted = options.abort?.();
        if (aborted) throw aborted;
        await sleep(10);
      }
      // Checked after the flow-control wait: other lanes may have taken the last payloads meanwhile
      // (taking `payloads[length]` once made a lane retry `undefined.n` forever and hang the run).
      if (next >= payloads.length) return;
      const payload = payloads[next++] as P;
      for (let attempt = 1; ; attempt++) {
        try {
          const id = await send(payload);
          stats.ids[payload.n] = id;
          stats.sent++;
          stats.maxAttempts = Math.max(stats.maxAttempts, attempt);
          break;
        } catch (error) {
          const err = error as Error & { code?: string; retriable?: boolean };
          // Only what Redis or the connection refused is retried; anything else is a bug here.
          if (!(err instanceof StreamqError)) throw err;
          stats.failedAttempts++;
          if (err instanceof ConnectionError) stats.uncertainAttempts++;
          const code = err.code ?? err.name;
          stats.errors[code] = (stats.errors[code] ?? 0) + 1;
          options.onError?.(err);
          if (code === 'ERR_STREAMQ_ENCODE' || code === 'ERR_STREAMQ_PAYLOAD_TOO_LARGE' || code === 'ERR_STREAMQ_CLOSED') throw err;
          const aborted = options.abort?.();
          if (aborted) throw aborted;
          await sleep(Math.min(500, 20 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  stats.finishedAt = Date.now();
  return stats;
}
