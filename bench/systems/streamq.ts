// streamq: Producer.send awaited one at a time / Producer.sendMany(batch); one Consumer
// (concurrency STREAMQ_CONCURRENCY) with the full delivery contract (group reads, confirmed acks,
// lease renewal, reclaim sweeps, delayed-message polling, the pause gate) as the library ships it.
// `ctx.extra`: { consumer?: ConsumerOptions, producer?: ProducerOptions, sendMany?: SendManyOptions };
// options arrive over IPC as plain data, so `groupBy: 'user'` stands for `(msg) => msg.data.user`.
import { Consumer, Producer } from '../../src/index.js';
import type { AdapterContext, ConsumerHandle, Payload, ProducerHandle, SystemAdapter } from '../common.js';
import { pelWatcher } from './redis-settle.js';

export const STREAMQ_CONCURRENCY = 100;
const GROUP = 'bench';

export const adapter: SystemAdapter = {
  name: 'streamq',
  oneLabel: 'send',
  bulkLabel: 'sendMany',
  server: { kind: 'private-redis' },
  settings: {
    client: 'node-redis v6 (streamq connections)',
    produce: 'producer.send(data) awaited one at a time / producer.sendMany(batch)',
    consumer: { concurrency: STREAMQ_CONCURRENCY, visibilityTimeoutMs: 30_000, startAt: '0' },
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const producer = new Producer<Payload>({ stream: ctx.key, redis: ctx.url, ...((ctx.extra.producer as object | undefined) ?? {}) });
    const sendManyOptions = ctx.extra.sendMany as Parameters<Producer<Payload>['sendMany']>[1];
    await producer.connect(); // streamq connects lazily; the other systems are connected here too
    return {
      async produceOne(p: Payload) {
        await producer.send(p);
      },
      async produceBulk(ps: Payload[]) {
        await producer.sendMany(ps, sendManyOptions);
      },
      close: () => producer.close(),
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const options = { ...((ctx.extra.consumer as Record<string, unknown> | undefined) ?? {}) };
    if (typeof options.groupBy === 'string') {
      const field = options.groupBy as keyof Payload;
      options.groupBy = (msg: { data: Payload }) => String(msg.data[field]);
    }
    const consumer = new Consumer<Payload>({
      stream: ctx.key,
      group: GROUP,
      redis: ctx.url,
      concurrency: Number(ctx.extra.concurrency ?? STREAMQ_CONCURRENCY),
      visibilityTimeoutMs: 30_000,
      startAt: '0',
      ...options,
      handler: async (msg) => {
        onMessage(msg.data);
      },
    });
    const pel = await pelWatcher(ctx.url, ctx.key, GROUP);
    return {
      start: () => consumer.start(),
      settled: () => pel.empty(),
      async close() {
        await consumer.close();
        await pel.close();
      },
    };
  },
};
