/**
 * Crash on a cluster: a consumer in a child process takes entries and is SIGKILLed while holding
 * them (its handlers never finish); two consumers in this process then handle everything. Zero
 * lost (every sent message handled), zero pending.
 *
 * Then the same for an ordered partitioned member: SIGKILLed holding one entry per partition, its
 * leases expire, the survivor takes the partitions over and handles the held entries first: order
 * per key holds across the crash.
 *
 * The child is this same file, run with STREAMQ_CRASH_CHILD set.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, fixedBackoff, MetricsRegistry, Producer } from '../../src/index.js';
import { PartitionedConsumer, PartitionedProducer } from '../../src/partitioned.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

interface ChildConfig { rootNodes: { url: string }[]; stream: string; group: string; ordered?: { partitions: number } }

/** Child mode: consume with handlers that never finish, report what is held, wait to be killed. */
async function runChild(config: ChildConfig): Promise<void> {
  const held = new Set<string>();
  if (config.ordered) {
    const member = new PartitionedConsumer<{ key: string; seq: number }>({
      stream: config.stream, partitions: config.ordered.partitions, group: config.group, name: 'doomed-member', ordered: true,
      leaseTtlMs: 1_500, redis: { rootNodes: config.rootNodes }, blockMs: 200, registry: new MetricsRegistry(),
      handler: (msg) => {
        held.add(`${msg.stream}/${msg.id}`); // IDs of different partitions may be equal
        process.stdout.write(`held ${held.size}\n`);
        return new Promise<void>(() => undefined);
      },
    });
    await member.start();
    await new Promise<void>(() => undefined);
  }
  const consumer = new Consumer<{ n: number }>({
    stream: config.stream, group: config.group, name: 'doomed', redis: { rootNodes: config.rootNodes },
    concurrency: 25, prefetch: 0, visibilityTimeoutMs: 1500, blockMs: 200, registry: new MetricsRegistry(),
    handler: (msg) => {
      held.add(msg.id);
      process.stdout.write(`held ${held.size}\n`);
      return new Promise<void>(() => undefined); // never settles: the process dies holding it
    },
  });
  await consumer.start();
  process.stdout.write('started\n');
  await new Promise<void>(() => undefined);
}

if (process.env.STREAMQ_CRASH_CHILD) {
  await runChild(JSON.parse(process.env.STREAMQ_CRASH_CHILD) as ChildConfig);
} else {
  let cluster: LocalCluster;
  let child: ChildProcess | undefined;
  before(async () => { cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 }); });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cluster?.stop();
  });

  describe('consumer crash on a cluster', { timeout: 100_000 }, () => {
    it('loses nothing when a consumer is SIGKILLed holding entries', async () => {
      const stream = uniqueName('crash');
      const group = 'g';
      const total = 200;
      const redis = { rootNodes: cluster.rootNodes() };
      const producer = new Producer<{ n: number }>({ stream, redis, registry: new MetricsRegistry() });
      const admin = new Admin({ redis });
      const survivors: Consumer<{ n: number }>[] = [];
      try {
        await admin.createGroup(stream, group, { startAt: '0' });
        await producer.sendMany(Array.from({ length: total }, (_u, n) => ({ n })));

        let output = '';
        child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
          env: { ...process.env, STREAMQ_CRASH_CHILD: JSON.stringify({ rootNodes: redis.rootNodes, stream, group } satisfies ChildConfig) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
        await waitFor(() => /held 25\n/.test(output), { deadlineMs: 30_000, description: 'the child to hold 25 entries' });
        const doomed = await admin.pending(stream, group, { consumer: 'doomed', count: 1000 });
        assert.equal(doomed.length, 25, 'the child holds 25 pending entries');
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;

        const handled = new Map<number, number>();
        for (const name of ['survivor-1', 'survivor-2']) {
          const consumer = new Consumer<{ n: number }>({
            stream, group, name, redis, concurrency: 8, visibilityTimeoutMs: 1500, reclaimIntervalMs: 200, blockMs: 200,
            backoff: fixedBackoff(20), registry: new MetricsRegistry(),
            handler: (msg) => { handled.set(msg.data.n, (handled.get(msg.data.n) ?? 0) + 1); },
          });
          survivors.push(consumer);
          await consumer.start();
        }
        await waitFor(() => handled.size === total, { deadlineMs: 30_000, description: `all ${total} messages handled` });
        await waitFor(async () => (await admin.stats(stream)).groups[0]?.pending === 0, { deadlineMs: 15_000, description: 'pending 0' });
        const lost = Array.from({ length: total }, (_u, n) => n).filter((n) => !handled.has(n));
        assert.deepEqual(lost, [], 'zero lost');
        const reclaimed = survivors.reduce((sum, c) => sum + c.metricsSnapshot().reclaimed, 0);
        assert.ok(reclaimed >= 25, `the doomed consumer's 25 entries were reclaimed (reclaimed ${reclaimed})`);
        assert.equal((await admin.pending(stream, group)).length, 0);
      } finally {
        await Promise.all(survivors.map((c) => c.close({ timeoutMs: 5_000 })));
        await producer.close();
        await admin.close();
      }
    });

    it('keeps order per key when an ordered member is SIGKILLed holding entries', async () => {
      const stream = uniqueName('ordered-crash');
      const group = 'g';
      const partitions = 4;
      const keys = Array.from({ length: 8 }, (_u, i) => `key-${i}`);
      const perKey = 30;
      const redis = { rootNodes: cluster.rootNodes() };
      const producer = new PartitionedProducer<{ key: string; seq: number }>({ stream, partitions, redis, registry: new MetricsRegistry() });
      const admin = new Admin({ redis });
      let survivor: PartitionedConsumer<{ key: string; seq: number }> | undefined;
      try {
        for (let seq = 0; seq < perKey; seq++) await producer.sendMany(keys.map((key) => ({ key, seq })), { key: (item) => item.key });
        let output = '';
        child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
          env: { ...process.env, STREAMQ_CRASH_CHILD: JSON.stringify({ rootNodes: redis.rootNodes, stream, group, ordered: { partitions } } satisfies ChildConfig) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
        await waitFor(() => new RegExp(`held ${partitions}\n`).test(output), { deadlineMs: 30_000, description: 'the child to hold one entry per partition' });
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;

        const done = new Map<string, number[]>(keys.map((k) => [k, []]));
        survivor = new PartitionedConsumer<{ key: string; seq: number }>({
          stream, partitions, group, name: 'survivor', ordered: true, leaseTtlMs: 1_500, redis, blockMs: 200, registry: new MetricsRegistry(),
          handler: (msg) => { done.get(msg.data.key)?.push(msg.data.seq); },
        });
        await survivor.start();
        const total = keys.length * perKey;
        await waitFor(() => [...done.values()].reduce((sum, list) => sum + list.length, 0) >= total, { deadlineMs: 30_000, description: `all ${total} handled by the survivor` });
        for (const key of keys) assert.deepEqual(done.get(key), Array.from({ length: perKey }, (_u, i) => i), `order of ${key}`);
        assert.deepEqual(survivor.ownedPartitions(), [0, 1, 2, 3]);
        let pending = 0;
        for (const partitionStream of producer.streams) pending += (await admin.pending(partitionStream, group)).length;
        assert.equal(pending, 0);
      } finally {
        await survivor?.close({ timeoutMs: 5_000 });
        await producer.close();
        await admin.close();
      }
    });
  });
}
