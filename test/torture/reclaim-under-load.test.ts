/**
 * A minimal reproduction of what the torture run measured as slow redelivery after a kill: the
 * entries a crashed consumer held must be taken over about one visibility timeout after it died,
 * even while the surviving consumer is busy with a backlog — not only once the backlog is drained.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, MetricsRegistry, Producer } from '../../src/index.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { cmd, rawClient, type RawClient } from '../hostile/helpers.js';

let redis: UsedRedis;
let client: RawClient;

before(async () => {
  redis = await useRedis();
  client = await rawClient(redis.url);
});
after(async () => {
  await client.close();
  await redis.close();
});

describe('reclaiming under load', () => {
  // The read loop takes every free slot (COUNT = free room); before the sweep could claim past a
  // full consumer, a crashed consumer's entries waited until the backlog had drained (measured:
  // 8.0 s, with a 1 s visibility timeout, behind a 7.7 s backlog).
  it('takes over a crashed consumer\'s entries about one visibility timeout after, while busy with a backlog',
    async () => {
      const stream = uniqueName('starve');
      const producer = new Producer<{ orphan?: number; backlog?: number }>({ stream, redis: redis.url, registry: new MetricsRegistry() });
      await cmd(client, 'XGROUP', 'CREATE', stream, 'g', '0', 'MKSTREAM');
      await producer.sendMany(Array.from({ length: 50 }, (_, i) => ({ orphan: i })));
      // A consumer reads 50 entries and dies without a trace (its PEL stays).
      await cmd(client, 'XREADGROUP', 'GROUP', 'g', 'crashed', 'COUNT', '50', 'STREAMS', stream, '>');
      await producer.sendMany(Array.from({ length: 3_000 }, (_, i) => ({ backlog: i })));
      const started = Date.now();
      let orphans = 0;
      let lastOrphanMs = 0;
      let backlog = 0;
      const consumer = new Consumer<{ orphan?: number; backlog?: number }>({
        stream, group: 'g', redis: redis.url, concurrency: 8, visibilityTimeoutMs: 1_000, registry: new MetricsRegistry(),
        handler: async (m) => {
          if (m.data.orphan !== undefined) {
            orphans++;
            lastOrphanMs = Date.now() - started;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
          backlog++;
        },
      });
      try {
        await consumer.start();
        await waitFor(() => orphans === 50, { deadlineMs: 30_000, description: 'the orphaned entries' });
        assert.ok(lastOrphanMs < 4_000, `taken over after ${lastOrphanMs} ms (visibility timeout 1 000 ms), ${backlog} of 3 000 backlog entries handled by then`);
      } finally {
        await consumer.close({ timeoutMs: 5_000 });
        await producer.close();
      }
    });
});
