/**
 * Contract 10 (Redis restarts) — (b) with AOF + `appendfsync always`, Redis is SIGKILLed and
 * restarted mid-stream: consumers reconnect, resume and finish, nothing lost, nothing pending.
 * (c) Redis restarted WITHOUT persistence loses the group: the consumer gets NOGROUP, recreates the
 * group, says so with a 'warning' event, and consumes what is sent afterwards.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Consumer, Producer } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, rawClient } from './helpers.js';

const servers: RedisServer[] = [];
after(async () => {
  for (const server of servers) await server.stop();
});

describe('Redis restarts', () => {
  it('with AOF (fsync always): SIGKILL and restart mid-stream, consumers resume, every message handled, none pending', async () => {
    const bag = new Bag();
    const server = await RedisServer.start({ appendOnly: true, appendFsync: 'always' });
    servers.push(server);
    try {
      const stream = uniqueName('restart-aof');
      const producer = bag.add(new Producer<number>({ stream, redis: server.url }));
      producer.on('error', () => undefined);
      const handled = new Map<number, number>();
      const make = (name: string) => {
        const consumer = new Consumer<number>({
          ...fast(server.url), stream, group: 'g', name, concurrency: 4, visibilityTimeoutMs: 1000,
          handler: async (msg) => {
            await new Promise((resolve) => setTimeout(resolve, 10));
            handled.set(msg.data, (handled.get(msg.data) ?? 0) + 1);
          },
        });
        consumer.on('error', () => undefined);
        return bag.add(consumer, (c) => c.close({ timeoutMs: 1000 }));
      };
      const consumers = [make('a'), make('b')];
      await Promise.all(consumers.map((c) => c.start()));
      await producer.sendMany(Array.from({ length: 200 }, (_, i) => i));

      await waitFor(() => handled.size >= 40, { deadlineMs: 10_000, description: '40 handled' });
      assert.ok(handled.size < 200, 'killed mid-stream');
      await server.kill();
      await server.restart();
      const raw = bag.add(await rawClient(server.url));
      assert.equal(await cmd(raw, 'XLEN', stream), 200, 'the AOF kept every sent message');
      // More messages after the restart, through the same producer.
      const more = await waitFor(async () => producer.sendMany(Array.from({ length: 100 }, (_, i) => 200 + i)).catch(() => undefined),
        { deadlineMs: 10_000, description: 'the producer to reconnect' });
      assert.equal(more.length, 100);

      await waitFor(async () => handled.size === 300 && (await pendingCount(raw, stream, 'g')) === 0,
        { deadlineMs: 30_000, description: 'all 300 handled and acknowledged' });
      for (let i = 0; i < 300; i++) assert.ok(handled.has(i), `message ${i} lost`);
      for (const c of consumers) assert.equal(c.metrics.counters.deadLettered, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('without persistence the group is lost: NOGROUP → the consumer recreates it, emits a warning, and goes on', async () => {
    const bag = new Bag();
    const server = await RedisServer.start();
    servers.push(server);
    try {
      const stream = uniqueName('restart-empty');
      const producer = bag.add(new Producer<string>({ stream, redis: server.url }));
      producer.on('error', () => undefined);
      const handled: string[] = [];
      const warnings: string[] = [];
      const consumer = new Consumer<string>({ ...fast(server.url), stream, group: 'g', handler: (msg) => { handled.push(msg.data); } });
      consumer.on('warning', (message: string) => warnings.push(message));
      consumer.on('error', () => undefined);
      bag.add(consumer, (c) => c.close({ timeoutMs: 1000 }));
      await consumer.start();
      await producer.send('before');
      await waitFor(() => handled.length === 1, { deadlineMs: 5000, description: 'the first message' });

      await server.kill();
      await server.restart();
      const raw = bag.add(await rawClient(server.url));
      // The data is gone (the consumer may already have recreated the stream, empty, with MKSTREAM).
      assert.equal(await cmd(raw, 'XLEN', stream), 0, 'the data is gone');
      await waitFor(() => warnings.length > 0, { deadlineMs: 10_000, description: 'the warning' });
      assert.match(warnings[0] as string, /Consumer group "g" on "[^"]+" was missing/);
      assert.match(warnings[0] as string, /recreated/);
      const groups = await cmd<unknown[]>(raw, 'XINFO', 'GROUPS', stream);
      assert.equal(groups.length, 1, 'the group exists again');

      await waitFor(async () => producer.send('after').catch(() => undefined), { deadlineMs: 10_000, description: 'the producer to reconnect' });
      await waitFor(async () => handled.includes('after') && (await pendingCount(raw, stream, 'g')) === 0,
        { deadlineMs: 10_000, description: 'the message sent after the restart' });
      assert.deepEqual(handled, ['before', 'after']);
    } finally {
      await bag.closeAll();
    }
  });
});
