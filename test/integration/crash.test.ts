/**
 * Contract: nothing is lost when a consumer crashes. A consumer in a child process is SIGKILLed
 * while it holds unacknowledged entries (its handler is slow); the rest of the group — consumers
 * in this process — takes them over and finishes: every sent payload is handled at least once,
 * and nothing stays pending.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { Bag, cmd, fast, pendingCount, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

const FIXTURE = fileURLToPath(new URL('../fixtures/crash-consumer.ts', import.meta.url));

function spawnConsumer(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  return { child, output: () => out };
}

describe('consumer crash', () => {
  it('a SIGKILLed consumer holding unacked entries loses nothing: the group finishes them', async () => {
    const bag = new Bag();
    const stream = uniqueName('crash');
    const { child, output } = spawnConsumer({
      REDIS_URL: redis.url, STREAM: stream, GROUP: 'g', NAME: 'doomed', CONCURRENCY: '5', VISIBILITY_MS: '1000',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    bag.defer(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    try {
      // The probe observes (started, or exited first); a child that died is asserted on at once,
      // outside the probe, instead of being retried until the deadline as "not yet".
      const outcome = await waitFor(() => (output().includes('started') ? 'started' : child.exitCode !== null || child.signalCode !== null ? 'exited' : undefined),
        { deadlineMs: 20_000, description: 'the child consumer to start' });
      assert.equal(outcome, 'started', `the child consumer exited before it started: ${output()}`);
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      const TOTAL = 100;
      const sent = Array.from({ length: TOTAL }, (_, i) => i);
      await producer.sendMany(sent);

      // The child holds some entries (5 handlers, prefetch 0).
      const held = await waitFor(async () => {
        const n = await pendingCount(raw, stream, 'g', 'doomed');
        return n >= 5 ? n : undefined;
      }, { deadlineMs: 10_000, description: 'the child to hold entries' });
      assert.ok(held >= 5);

      // The rest of the group starts working alongside it.
      const handled = new Map<number, string[]>();
      const make = (name: string) => bag.add(new Consumer<number>({
        ...fast(redis.url), stream, group: 'g', name, concurrency: 8, visibilityTimeoutMs: 1000, reclaimIntervalMs: 100,
        handler: (msg) => { handled.set(msg.data, [...(handled.get(msg.data) ?? []), name]); },
      }), (c) => c.close({ timeoutMs: 1000 }));
      const survivors = [make('survivor-1'), make('survivor-2')];
      await Promise.all(survivors.map((c) => c.start()));
      const heldAtKill = await pendingCount(raw, stream, 'g', 'doomed');
      assert.ok(heldAtKill >= 5, `the child holds ${heldAtKill} entries when killed`);
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      await waitFor(async () => handled.size === TOTAL && (await pendingCount(raw, stream, 'g')) === 0,
        { deadlineMs: 20_000, description: 'every message handled and acknowledged' });
      const lost = sent.filter((n) => !handled.has(n));
      assert.deepEqual(lost, [], 'lost messages');
      assert.equal(await pendingCount(raw, stream, 'g', 'doomed'), 0);
      const reclaimed = survivors.reduce((n, c) => n + c.metrics.counters.reclaimed, 0);
      assert.ok(reclaimed >= heldAtKill, `${reclaimed} entries reclaimed from the dead consumer (it held ${heldAtKill})`);
      // What the child started handling (and never finished) was redone by the survivors.
      const startedInChild = [...output().matchAll(/handling (\d+)/g)].map((m) => Number(m[1]));
      assert.ok(startedInChild.length >= 5);
      for (const n of startedInChild) assert.ok(handled.has(n), `${n} was left unfinished by the crash and never redone`);
      assert.equal(await cmd(raw, 'XLEN', stream), TOTAL);
    } finally {
      await bag.closeAll();
    }
  });
});
