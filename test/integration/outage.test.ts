/**
 * Contract 12 — an outage is not a crash. Redis is SIGKILLed and restarted on its AOF twice, each
 * time down for longer than the visibility timeout, while two live consumers run handlers at least three
 * times as long as the visibility timeout (four here, so both outages fit on a loaded machine). After each restart the PEL's idle times include the
 * outage; the consumers renew their leases as soon as they are back and hold their sweeps off, so
 * no entry is taken over, none is handled twice, and Redis counts no second delivery.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Consumer, Producer } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, fast, pendingCount, pendingRows, rawClient } from './helpers.js';

const servers: RedisServer[] = [];
after(async () => {
  for (const server of servers) await server.stop();
});

const VISIBILITY_MS = 1500;
const HANDLER_MS = 4 * VISIBILITY_MS;
const DOWN_MS = VISIBILITY_MS + 300;

describe('an outage is not a crash', () => {
  it('two Redis restarts, each down longer than the visibility timeout, take over nothing from live consumers', async () => {
    const bag = new Bag();
    const server = await RedisServer.start({ appendOnly: true, appendFsync: 'always' });
    servers.push(server);
    try {
      const stream = uniqueName('outage');
      const runs = new Map<number, { consumer: string; deliveries: number }[]>();
      const consumers = ['a', 'b'].map((name) => {
        const consumer = new Consumer<number>({
          ...fast(server.url), stream, group: 'g', name, concurrency: 2, prefetch: 0,
          visibilityTimeoutMs: VISIBILITY_MS, reclaimIntervalMs: 100,
          handler: async (msg) => {
            runs.set(msg.data, [...(runs.get(msg.data) ?? []), { consumer: name, deliveries: msg.deliveries }]);
            await delay(HANDLER_MS);
          },
        });
        consumer.on('error', () => undefined);
        return bag.add(consumer, (c) => c.close({ timeoutMs: 2000 }));
      });
      await Promise.all(consumers.map((c) => c.start()));
      const producer = bag.add(new Producer<number>({ stream, redis: server.url }));
      await producer.sendMany([1, 2, 3, 4]);
      await producer.close();
      await waitFor(() => runs.size === 4, { deadlineMs: 5000, description: 'four handlers to start' });
      const startedAt = Date.now();

      for (let outage = 0; outage < 2; outage++) {
        await server.kill();
        await delay(DOWN_MS);
        await server.restart();
        await delay(400);
      }
      assert.ok(Date.now() - startedAt < HANDLER_MS, 'both outages happened while the handlers still ran');
      // Observed right after the second restart, while the first handlers still run: one delivery each, same owners.
      const raw = bag.add(await rawClient(server.url));
      const during = await pendingRows(raw, stream, 'g');

      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 20_000, description: 'every entry acknowledged' });
      assert.deepEqual(during.map((row) => row.deliveries), [1, 1, 1, 1], `delivery counters after two outages: ${JSON.stringify(during)}`);
      for (const [data, list] of runs) {
        assert.equal(list.length, 1, `message ${data} ran ${list.length} times: ${JSON.stringify(list)}`);
        assert.equal(list[0]?.deliveries, 1);
      }
      for (const row of during) assert.ok(['a', 'b'].includes(row.consumer));
      const reclaimed = consumers.reduce((n, c) => n + c.metrics.counters.reclaimed, 0);
      const lost = consumers.reduce((n, c) => n + c.metrics.counters.leasesLost, 0);
      assert.equal(reclaimed, 0, 'no entry was taken over');
      assert.equal(lost, 0, 'no lease was lost');
    } finally {
      await bag.closeAll();
    }
  });
});
