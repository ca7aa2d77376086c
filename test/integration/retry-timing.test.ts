/**
 * Contract 6 — every retry comes back at its own due time: a handler throw (backoff), `nak()`,
 * `nak(ms)` and a batch's `m.nak(ms)` are each redelivered no earlier than their delay and no
 * later than delay + 250 ms, however many other retries are waiting, with delays shorter and
 * longer than the visibility timeout. The periodic reclaim sweep is set to 60 s here, so it cannot
 * be what brings a retry back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Consumer, Producer, type Message } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, closeFileRedis, fast, openFileRedis, pendingCount, type RawClient } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

/** The promised granularity: a retry is redelivered within its delay + this. */
const LATE_MS = 250;

/** When each message failed (just before the handler threw or nak'ed) and when it came back. */
interface Timing { delayMs: number; failedAt: number; backAt?: number }

/** Measured delay of each message, asserted against [delay, delay + LATE_MS] (and printed as a test diagnostic). */
function assertTimings(timings: Map<string, Timing>, diagnostic?: (message: string) => void): void {
  const report = [...timings].map(([key, t]) => `${key}: wanted ${t.delayMs} ms, took ${t.backAt === undefined ? 'never' : t.backAt - t.failedAt} ms`);
  diagnostic?.(report.join('; '));
  for (const [key, t] of timings) {
    assert.ok(t.backAt !== undefined, `${key} never came back (${report.join('; ')})`);
    const took = t.backAt - t.failedAt;
    assert.ok(took >= t.delayMs, `${key} came back after ${took} ms, earlier than its delay ${t.delayMs} ms (${report.join('; ')})`);
    assert.ok(took <= t.delayMs + LATE_MS, `${key} came back after ${took} ms, later than ${t.delayMs} + ${LATE_MS} ms (${report.join('; ')})`);
  }
}

class DelayedFailure extends Error {
  constructor(readonly delayMs: number) {
    super(`fail for ${delayMs} ms`);
  }
}

describe('retry timing', () => {
  for (const visibilityTimeoutMs of [10_000, 1_000]) {
    it(`throws, nak() and nak(ms) at staggered times each come back after their own delay (visibility timeout ${visibilityTimeoutMs} ms)`, async (t) => {
      const bag = new Bag();
      try {
        const stream = uniqueName('retry-timing');
        const producer = bag.add(new Producer<{ key: string; delayMs: number; how: 'throw' | 'nak' | 'nak-default' }>({ stream, redis: redis.url }));
        const timings = new Map<string, Timing>();
        const consumer = bag.add(new Consumer<{ key: string; delayMs: number; how: 'throw' | 'nak' | 'nak-default' }>({
          ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs, reclaimIntervalMs: 60_000,
          // The backoff takes each message's own delay from its error; a bare nak() uses attempt 1's default of 400 ms.
          backoff: (_attempt, error) => (error instanceof DelayedFailure ? error.delayMs : 400),
          handler: async (msg) => {
            const { key, delayMs, how } = msg.data;
            if (msg.deliveries > 1) {
              const t = timings.get(key);
              if (t !== undefined && t.backAt === undefined) t.backAt = Date.now();
              return;
            }
            timings.set(key, { delayMs, failedAt: Date.now() });
            if (how === 'throw') throw new DelayedFailure(delayMs);
            if (how === 'nak') msg.nak(delayMs);
            else msg.nak();
          },
        }), (c) => c.close({ timeoutMs: 1000 }));
        await consumer.start();
        // Staggered failures, the longest first, so that every shorter retry is scheduled after a
        // later one is already armed (the case where due times used to be dropped).
        const plan = [
          { key: 'a', delayMs: 1500, how: 'throw' as const },
          { key: 'b', delayMs: 700, how: 'throw' as const },
          { key: 'c', delayMs: 2000, how: 'nak' as const },
          { key: 'd', delayMs: 300, how: 'throw' as const },
          { key: 'e', delayMs: 400, how: 'nak-default' as const },
          { key: 'f', delayMs: 2500, how: 'throw' as const },
          { key: 'g', delayMs: 0, how: 'nak' as const },
        ];
        for (const item of plan) {
          await producer.send(item);
          await delay(60);
        }
        await waitFor(async () => [...timings.values()].every((t) => t.backAt !== undefined) && timings.size === plan.length
          && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 8000, description: 'every retry to come back and be acked' })
          .catch(() => undefined);
        assert.equal(timings.size, plan.length, 'every message failed once');
        assertTimings(timings, (m) => t.diagnostic(m));
        assert.equal(consumer.metrics.counters.retried, plan.length);
        assert.equal(consumer.metrics.counters.reclaimed, 0, 'own retries are not counted as taken over');
      } finally {
        await bag.closeAll();
      }
    });
  }

  it('five messages failing at once right after start() each come back after their backoff', async (t) => {
    const bag = new Bag();
    try {
      const stream = uniqueName('retry-burst');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      await producer.sendMany([1, 2, 3, 4, 5]);
      const timings = new Map<string, Timing>();
      const consumer = bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: 30_000, reclaimIntervalMs: 60_000,
        backoff: (_attempt, error) => (error as DelayedFailure).delayMs,
        handler: async (msg) => {
          const key = String(msg.data);
          if (msg.deliveries > 1) {
            const t = timings.get(key);
            if (t !== undefined) t.backAt ??= Date.now();
            return;
          }
          timings.set(key, { delayMs: 200 * msg.data, failedAt: Date.now() });
          throw new DelayedFailure(200 * msg.data);
        },
      }), (c) => c.close({ timeoutMs: 1000 }));
      await consumer.start();
      await waitFor(() => timings.size === 5 && [...timings.values()].every((t) => t.backAt !== undefined),
        { deadlineMs: 5000, description: 'every retry' }).catch(() => undefined);
      assertTimings(timings, (m) => t.diagnostic(m));
    } finally {
      await bag.closeAll();
    }
  });

  it('a batch handler\'s m.nak(ms) brings back only that message, after its own delay', async (t) => {
    const bag = new Bag();
    try {
      const stream = uniqueName('retry-batch');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      await producer.sendMany([1, 2, 3, 4]);
      const timings = new Map<string, Timing>();
      const handled: number[] = [];
      const consumer = bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', visibilityTimeoutMs: 1000, reclaimIntervalMs: 60_000, batchSize: 4, batchWaitMs: 50,
        batchHandler: async (msgs: Message<number>[]) => {
          for (const m of msgs) {
            handled.push(m.data);
            const key = String(m.data);
            if (m.deliveries > 1) {
              const t = timings.get(key);
              if (t !== undefined) t.backAt ??= Date.now();
            } else if (m.data % 2 === 0) {
              timings.set(key, { delayMs: m.data === 2 ? 300 : 1800, failedAt: Date.now() });
              m.nak(m.data === 2 ? 300 : 1800);
            }
          }
        },
      }), (c) => c.close({ timeoutMs: 1000 }));
      await consumer.start();
      await waitFor(async () => timings.size === 2 && [...timings.values()].every((t) => t.backAt !== undefined)
        && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 5000, description: 'both retries' }).catch(() => undefined);
      assertTimings(timings, (m) => t.diagnostic(m));
      assert.deepEqual([...handled].sort(), [1, 2, 2, 3, 4, 4], 'only the nak\'ed messages came back');
    } finally {
      await bag.closeAll();
    }
  });
});
