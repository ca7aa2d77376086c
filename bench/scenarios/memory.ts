// Memory over time (streamq, steady load): a consumer, and a producer sending --mem-rate msg/s for
// --mem-seconds; every second the orchestrator samples MEMORY USAGE of the stream (exact), XLEN and
// used_memory. Three runs: no retention (control: grows), deleteOnAck, retention.maxLen.
import type { ConsumerDone, ProducerDone } from '../common.js';
import type { Env } from '../env.js';
import { sleep, withDeadline } from '../measure.js';
import { keyMemory, redisUsedMemory } from '../redis.js';
import type { Row } from '../rows.js';
import { consumerInit, producerInit, withFrame } from './frame.js';

export interface MemorySeriesPoint {
  t: number;
  xlen: number;
  streamBytes: number;
  usedMemory: number;
}

export interface MemoryResult {
  variant: string;
  settings: Record<string, unknown>;
  rate: number;
  seconds: number;
  error?: string;
  consumerCaughtUp: boolean;
  series: MemorySeriesPoint[];
}

export const MEMORY_VARIANTS = ['none', 'deleteOnAck', 'maxLen'] as const;
const MAXLEN = 10_000;

export async function measureMemory(env: Env, variant: (typeof MEMORY_VARIANTS)[number]): Promise<MemoryResult> {
  const { rate, seconds } = env.cfg.memory;
  const extra: Record<string, unknown> =
    variant === 'deleteOnAck' ? { consumer: { deleteOnAck: true } } : variant === 'maxLen' ? { producer: { retention: { maxLen: MAXLEN } } } : {};
  const row: Row = { id: `memory-${variant}`, label: variant, system: 'streamq', group: 'main', scenarios: ['memory'], extra, durability: '' };
  const total = Math.round(rate * seconds);
  const result: MemoryResult = {
    variant: variant === 'none' ? 'none (control)' : variant === 'maxLen' ? `maxLen ${MAXLEN.toLocaleString('en-US')}` : 'deleteOnAck',
    settings: extra,
    rate,
    seconds,
    consumerCaughtUp: false,
    series: [],
  };
  try {
    await withFrame(env, row, async ({ ctx, spawn }) => {
      const consumer = await spawn(consumerInit(row, ctx, { expect: total }), 'streamq-consumer');
      const producer = await spawn(producerInit(env, row, ctx, { mode: 'one', n: total, rate, durationMs: seconds * 1000 }), 'streamq-producer');
      consumer.send({ type: 'start' });
      await consumer.wait(['started'], 30_000, 'start');
      const t0 = Date.now();
      producer.send({ type: 'start' });
      let produced = false;
      const producedP = producer.wait<ProducerDone>(['produced'], seconds * 1000 + 60_000, 'produce').finally(() => (produced = true));
      producedP.catch(() => {});
      for (let s = 1; !produced && Date.now() - t0 < seconds * 1000 + 60_000; s++) {
        await sleep(Math.max(0, t0 + s * 1000 - Date.now()));
        if (produced) break;
        const [xlen, streamBytes, usedMemory] = await withDeadline(
          Promise.all([env.admin.xLen(ctx.key).catch(() => 0), keyMemory(env.admin, ctx.key), redisUsedMemory(env.admin)]),
          10_000,
          'memory sample',
        );
        result.series.push({ t: (Date.now() - t0) / 1000, xlen: Number(xlen), streamBytes, usedMemory });
      }
      await producedP;
      result.consumerCaughtUp = await consumer.wait<ConsumerDone>(['done'], 10_000, 'consume').then(() => true, () => false);
    });
  } catch (err) {
    result.error = String((err as Error).message ?? err);
  }
  return result;
}
