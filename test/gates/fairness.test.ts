/**
 * Fairness under per-key concurrency: one key's flood does not hold back the others. A stream is
 * read in order and a consumer holds at most concurrency + prefetch entries, so in one stream the
 * flood's held-back entries fill every consumer's window and a key behind them waits for the
 * flood (head-of-line). A partitioned stream keyed by the same key gives each partition its own
 * reading and its own window: the flood fills its partition only.
 *
 * Scaled down from the 20,000 to a flood of 5,000 messages of one key, sent first, then
 * 100 of another key (in another partition), consumed by 3 processes with `perKeyConcurrency: 2`:
 * the 100 start at once and finish long before the flood, which takes its time through its two
 * slots. The measured figures are printed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRegistry, PartitionedProducer, partitionOf } from '../../src/index.js';
import { uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { ledgerDir, mostAtOnce, readRuns, spawnConsumer, started, stop, useGateFixture } from './helpers.js';

const FLOOD = 5_000;
const CALM = 100;
const PARTITIONS = 4;

const fx = useGateFixture();

describe('fairness under per-key concurrency', { timeout: 240_000 }, () => {
  it('finishes a key of 100 long before another key\'s flood of 5,000 sent ahead of it (partitioned by the key)', async () => {
    const stream = uniqueName('fair');
    const group = 'g';
    assert.notEqual(partitionOf('flood', PARTITIONS), partitionOf('calm', PARTITIONS));
    const dir = ledgerDir();
    const env = {
      REDIS_URL: fx.server.url, STREAM: stream, GROUP: group, PARTITIONS: String(PARTITIONS), CONCURRENCY: '8', HANDLER_MS: '2-4', PER_KEY: '2',
    };
    const fleet = ['a', 'b', 'c'].map((name) => spawnConsumer(dir, name, env));
    fx.children.push(...fleet);
    await Promise.all(fleet.map((x) => started(x)));
    const producer = new PartitionedProducer<number>({ stream, partitions: PARTITIONS, redis: fx.server.url, registry: new MetricsRegistry() });
    await producer.sendMany(Array.from({ length: FLOOD }, (_, i) => i), { key: () => 'flood', headers: { tenant: 'flood' } });
    const calmSent = Date.now();
    await producer.sendMany(Array.from({ length: CALM }, (_, i) => i), { key: () => 'calm', headers: { tenant: 'calm' } });
    await producer.close();
    await waitFor(() => readRuns(fleet).filter((r) => r.end !== undefined).length >= FLOOD + CALM || undefined, {
      deadlineMs: 180_000, intervalMs: 250, description: 'every message to run',
    });
    for (const x of fleet) assert.equal(await stop(x), 0, `${x.name} closed gracefully: ${x.output()}`);

    const runs = readRuns(fleet);
    const of = (tenant: string) => runs.filter((r) => r.tenant === tenant);
    const calm = of('calm');
    const flood = of('flood');
    const calmFirst = Math.min(...calm.map((r) => r.start)) - calmSent;
    const calmDone = Math.max(...calm.map((r) => r.end as number)) - calmSent;
    const floodDone = Math.max(...flood.map((r) => r.end as number)) - calmSent;
    const floodLeft = flood.filter((r) => r.start > calmSent + calmDone).length;
    const most = mostAtOnce(runs, () => undefined);
    console.log(`# calm: first start ${calmFirst} ms after it was sent, all ${CALM} done after ${calmDone} ms; the flood done after ${floodDone} ms, ${floodLeft} of its ${FLOOD} still to start when calm was done; most at once per key ${most.count}`);
    assert.equal(new Set(runs.map((r) => `${r.stream} ${r.id}`)).size, FLOOD + CALM, 'every message ran');
    assert.ok(most.count <= 2, `${most.count} runs of ${most.tenant} at once`);
    assert.ok(calmFirst < 1_000, `the calm key's first message started ${calmFirst} ms after it was sent`);
    assert.ok(calmDone * 4 < floodDone, `the calm key finished after ${calmDone} ms, the flood after ${floodDone} ms`);
    assert.ok(floodLeft > FLOOD / 2, `only ${floodLeft} of the flood were still to start when the calm key was done`);
  });
});
