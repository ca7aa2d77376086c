// End to end: consumer running first, then one producer sends N messages (one call at a time or in
// batches). The clock runs from the producer's start until the system confirms the last ack
// (ConsumerHandle.settled); CPU of the producer, the consumer and the server over that window.
import type { ConsumerDone, ProducerDone } from '../common.js';
import { commandsPerMessage, deadlineFor, resetCommandStats, warmupFor, type Env } from '../env.js';
import { rate, sleep } from '../measure.js';
import type { Row } from '../rows.js';
import { consumerInit, CpuWindow, isRedis, MB, producerInit, withFrame, type Metrics } from './frame.js';

export async function measureE2e(env: Env, row: Row, mode: 'one' | 'bulk'): Promise<Metrics> {
  const n = env.cfg.n;
  const budget = deadlineFor(env, n);
  return withFrame(env, row, async ({ ctx, adapter, spawn }) => {
    const warm = warmupFor(env, mode);
    const consumer = await spawn(consumerInit(row, ctx, { expect: n, warm, settleTotal: n + warm }), `${row.id}-consumer`);
    const producer = await spawn(producerInit(env, row, ctx, { mode, n, preWarm: warm }), `${row.id}-producer`);
    consumer.send({ type: 'start' });
    await consumer.wait(['started'], 30_000, 'start');
    if (warm > 0) await consumer.wait(['warm'], 60_000, 'warm-up');
    await sleep(300); // the warm-up's acks settle
    consumer.send({ type: 'mark' });
    await consumer.wait(['marked'], 10_000, 'mark');
    if (isRedis(adapter)) await resetCommandStats(env);
    const cpu = new CpuWindow(env, adapter, { producer, consumer });
    cpu.start();
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], budget, 'produce');
    const done = await consumer.wait<ConsumerDone>(['done'], Math.max(5_000, budget - (produced.endUs - produced.startUs) / 1000), 'consume');
    const cpuMetrics = cpu.stop(n);
    return {
      ...(isRedis(adapter) ? await commandsPerMessage(env, n) : {}),
      ...cpuMetrics,
      rate: rate(n, produced.startUs, done.settledUs),
      handledRate: rate(n, produced.startUs, done.lastUs),
      settleMs: (done.settledUs - done.lastUs) / 1000,
      produceRate: rate(n, produced.startUs, produced.endUs),
      seconds: (done.settledUs - produced.startUs) / 1e6,
      idleRssMB: done.rssAtMarkBytes / MB,
      peakRssMB: Math.max(done.peakRssBytes, done.maxRssBytes) / MB,
      peakHeapTotalMB: done.peakHeapTotalBytes / MB,
      peakHeapUsedMB: done.peakHeapUsedBytes / MB,
      duplicates: done.duplicates,
    };
  });
}
