/**
 * Contract 10 (connections) — every connection of the consumers is cut, repeatedly, through a TCP
 * proxy while they consume: they reconnect and resume; every message is handled and acknowledged,
 * nothing stays pending.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, gate, pendingCount, pendingRows, rawClient, type RawClient } from './helpers.js';

let server: RedisServer;
let raw: RawClient;
before(async () => {
  server = await RedisServer.start();
  raw = await rawClient(server.url);
});
after(async () => {
  await raw.close();
  await server.stop();
});

describe('dropped connections', () => {
  it('survives every connection being cut several times mid-stream: all handled, all acked', async () => {
    const bag = new Bag();
    try {
      const proxy = bag.add(await TcpProxy.start({ host: server.host, port: server.port }));
      const stream = uniqueName('cut');
      const producer = bag.add(new Producer<number>({ stream, redis: server.url }));
      const TOTAL = 400;
      const handled = new Map<number, number>();
      const errors: Error[] = [];
      const make = (name: string) => {
        const consumer = new Consumer<number>({
          ...fast(proxy.url), stream, group: 'g', name, concurrency: 4, visibilityTimeoutMs: 800, reclaimIntervalMs: 100,
          handler: async (msg) => {
            await new Promise((resolve) => setTimeout(resolve, 20)); // ~400 messages/s in all
            handled.set(msg.data, (handled.get(msg.data) ?? 0) + 1);
          },
        });
        consumer.on('error', (error: Error) => errors.push(error));
        return bag.add(consumer, (c) => c.close({ timeoutMs: 1000 }));
      };
      const consumers = [make('a'), make('b')];
      await Promise.all(consumers.map((c) => c.start()));
      await producer.sendMany(Array.from({ length: TOTAL }, (_, i) => i));

      let cuts = 0;
      for (const threshold of [40, 120, 200, 280]) {
        // Each consumer has a command connection and a blocking one: cut them once all are back.
        await waitFor(() => handled.size >= threshold && proxy.connections >= 4, { deadlineMs: 15_000, description: `${threshold} handled, reconnected` });
        assert.ok(handled.size < TOTAL, 'cut while messages are still coming');
        proxy.cutAll();
        cuts++;
      }
      await waitFor(async () => handled.size === TOTAL && (await pendingCount(raw, stream, 'g')) === 0,
        { deadlineMs: 20_000, description: 'every message handled and acknowledged' });
      assert.equal(cuts, 4);
      for (let i = 0; i < TOTAL; i++) assert.ok(handled.has(i), `message ${i} lost`);
      assert.ok(errors.length > 0, 'the cuts were reported as error events');
      for (const error of errors) assert.equal(typeof (error as { code?: unknown }).code, 'string', `streamq error expected: ${error.message}`);
      // Nothing left the PEL by another door than a successful handler.
      for (const c of consumers) assert.equal(c.metrics.counters.deadLettered, 0);
      for (const c of consumers) assert.equal(c.metrics.counters.failed, 0);
    } finally {
      await bag.closeAll();
    }
  });

  it('keeps going when Redis is unreachable for a while (proxy paused), then catches up', async () => {
    const bag = new Bag();
    try {
      const proxy = bag.add(await TcpProxy.start({ host: server.host, port: server.port }));
      const stream = uniqueName('paused');
      const producer = bag.add(new Producer<number>({ stream, redis: server.url }));
      const handled = new Set<number>();
      const consumer = new Consumer<number>({
        ...fast(proxy.url), stream, group: 'g', handler: (msg) => { handled.add(msg.data); },
      });
      consumer.on('error', () => undefined);
      bag.add(consumer, (c) => c.close({ timeoutMs: 1000 }));
      await consumer.start();
      await producer.sendMany([0, 1, 2]);
      await waitFor(() => handled.size === 3, { deadlineMs: 5000, description: 'the first messages' });
      proxy.pause();
      await producer.sendMany([3, 4, 5]);
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0 && proxy.connections === 0, { deadlineMs: 5000 });
      proxy.resume();
      await waitFor(async () => handled.size === 6 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 15_000, description: 'catching up' });
    } finally {
      await bag.closeAll();
    }
  });
});

describe('delivery counters across connection drops', () => {
  it('a dropped connection does not count another delivery of the entries being handled', async () => {
    const bag = new Bag();
    const release = gate();
    bag.defer(() => release.open());
    try {
      const proxy = bag.add(await TcpProxy.start({ host: server.host, port: server.port }));
      const stream = uniqueName('cut-counter');
      const producer = bag.add(new Producer<number>({ stream, redis: server.url }));
      const runs: [number, number][] = [];
      const errors: Error[] = [];
      const consumer = new Consumer<number>({
        ...fast(proxy.url), stream, group: 'g', name: 'holder', concurrency: 4, visibilityTimeoutMs: 60_000,
        handler: async (msg) => { runs.push([msg.data, msg.deliveries]); await release.promise; },
      });
      consumer.on('error', (error: Error) => errors.push(error));
      bag.add(consumer, (c) => c.close({ timeoutMs: 1000 }));
      await consumer.start();
      await producer.sendMany([1, 2, 3]);
      await waitFor(() => runs.length === 3, { deadlineMs: 5000, description: 'three handlers running' });
      for (let cut = 0; cut < 3; cut++) {
        await waitFor(() => proxy.connections >= 2, { deadlineMs: 10_000, description: 'connected' });
        const errorsBefore = errors.length;
        proxy.cutAll();
        // The reader notices, reconnects and reads again.
        await waitFor(() => errors.length > errorsBefore && proxy.connections >= 2, { deadlineMs: 10_000, description: 'the reconnection' });
      }
      await producer.send(4);
      await waitFor(() => runs.length === 4, { deadlineMs: 10_000, description: 'the reader reading again' });
      const rows = await pendingRows(raw, stream, 'g');
      assert.deepEqual(rows.map((r) => r.deliveries), [1, 1, 1, 1], 'the in-flight entries were counted as delivered again');
      release.open();
      await waitFor(async () => (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'the acks' });
      assert.deepEqual(runs.map(([n]) => n).sort(), [1, 2, 3, 4], 'each handled once');
    } finally {
      await bag.closeAll();
    }
  });

  it('entries whose read reply was lost in a dropped connection are still delivered, without waiting for the visibility timeout', async () => {
    const bag = new Bag();
    try {
      const proxy = bag.add(await TcpProxy.start({ host: server.host, port: server.port }));
      const stream = uniqueName('lost-reply');
      const producer = bag.add(new Producer<number>({ stream, redis: server.url }));
      const handled: number[] = [];
      const consumer = new Consumer<number>({
        ...fast(proxy.url), stream, group: 'g', name: 'reader', visibilityTimeoutMs: 60_000, handler: (msg) => { handled.push(msg.data); },
      });
      consumer.on('error', () => undefined);
      bag.add(consumer, (c) => c.close({ timeoutMs: 1000 }));
      await consumer.start();
      await producer.send(0);
      await waitFor(() => handled.length === 1, { deadlineMs: 5000, description: 'the first message' });
      // Simulate a read whose reply never arrived: the entries sit in this consumer's PEL, unseen by it.
      proxy.pause();
      await producer.sendMany([1, 2]);
      const admin = await rawClient(server.url);
      bag.add(admin);
      await cmd(admin, 'XREADGROUP', 'GROUP', 'g', 'reader', 'COUNT', '10', 'STREAMS', stream, '>');
      proxy.resume();
      await waitFor(async () => handled.length === 3 && (await pendingCount(raw, stream, 'g')) === 0, { deadlineMs: 10_000, description: 'the orphaned entries' });
      assert.deepEqual(handled.sort(), [0, 1, 2]);
    } finally {
      await bag.closeAll();
    }
  });
});
