/**
 * Pause and resume across processes, against a real redis-server: 3 consumer processes work
 * through a backlog; `Admin.pause` stops them. From the ledgers (every handler start, written
 * synchronously): no handler starts from 1 s after the call until `Admin.resume` (running ones
 * finish); one process SIGKILLed and started again while paused starts nothing until the resume
 * (its entries, taken over by the others meanwhile, wait too); after the resume everything is
 * handled and acknowledged.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MetricsRegistry, Producer } from '../../src/index.js';
import { uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { kill, ledgerDir, readLedger, readRuns, spawnConsumer, started, stop, type Child, useGateFixture } from './helpers.js';

const fx = useGateFixture();

describe('pause and resume across processes', { timeout: 180_000 }, () => {
  it('starts no handler from 1 s after the pause until the resume, in any process, a restarted one included; loses nothing', async () => {
    const stream = uniqueName('pause');
    const group = 'g';
    const total = 2_000;
    const producer = new Producer<number>({ stream, redis: fx.server.url, registry: new MetricsRegistry() });
    await producer.sendMany(Array.from({ length: total }, (_, i) => i));
    await producer.close();
    const dir = ledgerDir();
    const env = { REDIS_URL: fx.server.url, STREAM: stream, GROUP: group, CONCURRENCY: '8', VISIBILITY_MS: '1500', HANDLER_MS: '20-60' };
    const fleet = ['a', 'b', 'c'].map((name) => spawnConsumer(dir, name, env));
    fx.children.push(...fleet);
    await Promise.all(fleet.map((x) => started(x)));
    await waitFor(() => readRuns(fx.children).length >= 300 || undefined, { deadlineMs: 30_000, description: '300 starts' });

    const pausedAt = Date.now();
    await fx.admin.pause(stream, group);
    const during = (await fx.admin.stats(stream)).groups.find((g) => g.name === group);
    assert.equal(during?.paused, true, 'stats show the pause');
    assert.equal(during?.pausedUntil, null, 'until resumed');
    await delay(1_000);
    // Killed while paused (holding messages, maybe running some), and started again under its name.
    const victim = fleet[1] as Child;
    await kill(victim);
    const again = spawnConsumer(dir, 'b-again', { ...env, NAME: 'b' });
    fx.children.push(again);
    await started(again);
    // Long enough for the others to take over the victim's entries (visibility timeout 1.5 s) and hold them.
    await delay(2_000);
    const resumedAt = Date.now();
    assert.equal(await fx.admin.resume(stream, group), true);
    await waitFor(async () => {
      const g = (await fx.admin.stats(stream)).groups.find((x) => x.name === group);
      return (g?.pending === 0 && g.lag === 0) || undefined;
    }, { deadlineMs: 60_000, intervalMs: 200, description: 'every message acknowledged' });
    for (const x of [fleet[0], fleet[2], again] as Child[]) assert.equal(await stop(x), 0, `${x.name} closed gracefully: ${x.output()}`);

    const runs = readRuns(fx.children);
    const startedDuring = runs.filter((r) => r.start >= pausedAt + 1_000 && r.start < resumedAt);
    const lastBefore = Math.max(...runs.filter((r) => r.start < resumedAt).map((r) => r.start));
    const againRuns = readLedger(again.name, again.ledger);
    console.log(`# paused for ${resumedAt - pausedAt} ms; last start ${lastBefore - pausedAt} ms after the pause call; the restarted process's first start ${Math.min(...againRuns.map((r) => r.start)) - resumedAt} ms after the resume; ${runs.length} runs in all`);
    assert.deepEqual(startedDuring.map((r) => `${r.process} ${r.id} +${r.start - pausedAt} ms`), [], 'no handler started while paused');
    assert.ok(againRuns.length > 0 && againRuns.every((r) => r.start >= resumedAt), 'the process restarted while paused started nothing before the resume');
    assert.equal(new Set(runs.map((r) => r.id)).size, total, 'every message ran');
  });
});
