/**
 * Crash on a cluster: a consumer in a child process takes entries and is SIGKILLed while holding
 * them (its handlers never finish); two consumers in this process then handle everything. Zero
 * lost (every sent message handled), zero pending.
 *
 * The child is this same file, run with STREAMQ_CRASH_CHILD set.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, fixedBackoff, MetricsRegistry, Producer } from '../../src/index.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

interface ChildConfig { rootNodes: { url: string }[]; stream: string; group: string }

/** Child mode: consume with handlers that never finish, report what is held, wait to be killed. */
async function runChild(config: ChildConfig): Promise<void> {
  const held = new Set<string>();
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

  describe('consumer crash on a cluster', () => {
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
  });
}
