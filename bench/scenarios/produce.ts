// Producer alone, no consumer: N messages as fast as the producer sends them (one call at a time,
// or in batches of --batch; the sendMany sweep uses the same code with its own call size).
import type { ProducerDone } from '../common.js';
import { commandsPerMessage, deadlineFor, resetCommandStats, warmupFor, type Env } from '../env.js';
import { rate } from '../measure.js';
import type { Row } from '../rows.js';
import { CpuWindow, isRedis, producerInit, withFrame, type Metrics } from './frame.js';

export async function measureProduce(env: Env, row: Row, mode: 'one' | 'bulk', o: { n?: number; batch?: number } = {}): Promise<Metrics> {
  const n = o.n ?? env.cfg.n;
  const batch = o.batch ?? env.cfg.batch;
  return withFrame(env, row, async ({ ctx, adapter, spawn }) => {
    const preWarm = mode === 'one' || env.cfg.warmup === 0 ? env.cfg.warmup : Math.max(warmupFor(env, mode), 5 * batch);
    const producer = await spawn(producerInit(env, row, ctx, { mode, n, batch, preWarm }), `${row.id}-producer`);
    if (isRedis(adapter)) await resetCommandStats(env);
    const cpu = new CpuWindow(env, adapter, { producer });
    cpu.start();
    producer.send({ type: 'start' });
    const produced = await producer.wait<ProducerDone>(['produced'], deadlineFor(env, n), 'produce');
    return {
      ...(isRedis(adapter) ? await commandsPerMessage(env, n) : {}),
      ...cpu.stop(n),
      rate: rate(n, produced.startUs, produced.endUs),
      seconds: (produced.endUs - produced.startUs) / 1e6,
    };
  });
}
