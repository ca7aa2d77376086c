// Drain: a backlog of N is filled first (setup, the fastest bulk path), then one consumer drains
// it: N ÷ (first measured message handled → last ack confirmed). The backlog scenario is the same
// with a million entries and RSS sampled every 50 ms.
import type { ConsumerDone, ProducerDone } from '../common.js';
import { commandsPerMessage, deadlineFor, resetCommandStats, warmupFor, type Env } from '../env.js';
import { rate } from '../measure.js';
import { redisUsedMemory } from '../redis.js';
import type { Row } from '../rows.js';
import { consumerInit, CpuWindow, isRedis, MB, producerInit, withFrame, type Metrics } from './frame.js';

export async function measureDrain(env: Env, row: Row, n: number, rssSampleMs = 100): Promise<Metrics> {
  return withFrame(env, row, async ({ ctx, adapter, spawn }) => {
    const warm = warmupFor(env, 'fill');
    const filler = await spawn(producerInit(env, row, ctx, { mode: 'fill', n, preWarm: warm }), `${row.id}-filler`);
    filler.send({ type: 'start' });
    const produced = await filler.wait<ProducerDone>(['produced'], deadlineFor(env, n), 'fill');
    await filler.close();
    const used = isRedis(adapter) ? await redisUsedMemory(env.admin) : NaN;
    const consumer = await spawn(consumerInit(row, ctx, { expect: n, settleTotal: n + warm, rssSampleMs }), `${row.id}-consumer`);
    consumer.send({ type: 'mark' });
    await consumer.wait(['marked'], 10_000, 'mark');
    if (isRedis(adapter)) await resetCommandStats(env);
    const cpu = new CpuWindow(env, adapter, { consumer });
    cpu.start();
    consumer.send({ type: 'start' });
    const done = await consumer.wait<ConsumerDone>(['done'], deadlineFor(env, n), 'drain');
    return {
      ...(isRedis(adapter) ? await commandsPerMessage(env, n) : {}),
      ...cpu.stop(n),
      // The backlog starts with the warm-up entries: time from the first measured one.
      rate: rate(n, warm > 0 ? done.firstUs : done.startedUs, done.settledUs),
      seconds: (done.settledUs - done.startedUs) / 1e6,
      fillRate: rate(n, produced.startUs, produced.endUs),
      idleRssMB: done.rssAtMarkBytes / MB,
      peakRssMB: done.peakRssBytes / MB,
      maxRssMB: done.maxRssBytes / MB,
      peakHeapTotalMB: done.peakHeapTotalBytes / MB,
      peakHeapUsedMB: done.peakHeapUsedBytes / MB,
      peakExternalMB: done.peakExternalBytes / MB,
      redisUsedMemoryMB: used / MB,
      duplicates: done.duplicates,
    };
  });
}
