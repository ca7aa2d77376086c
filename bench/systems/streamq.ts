// streamq: Producer.send awaited one at a time / Producer.sendMany(batch); one Consumer
// (concurrency STREAMQ_CONCURRENCY) with the full delivery contract (group reads, acks, visibility
// timeout / reclaim) as the library ships it.
import { Consumer, Producer } from '../../src/index.js';
import type { AdapterContext, ConsumerHandle, Payload, ProducerHandle, SystemAdapter } from '../common.js';

export const STREAMQ_CONCURRENCY = 100;

export const adapter: SystemAdapter = {
  name: 'streamq',
  oneLabel: 'send',
  bulkLabel: 'sendMany',
  settings: {
    client: 'node-redis v6 (streamq connections)',
    produce: 'producer.send(data) awaited one at a time / producer.sendMany(batch)',
    consumer: { concurrency: STREAMQ_CONCURRENCY, visibilityTimeoutMs: 30_000, startAt: '0' },
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const producer = new Producer<Payload>({
      stream: ctx.key,
      redis: ctx.url,
      ...((ctx.extra.producer as object | undefined) ?? {}),
    });
    await producer.connect(); // streamq connects lazily; the other systems are connected here too
    return {
      async produceOne(p: Payload) {
        await producer.send(p);
      },
      async produceBulk(ps: Payload[]) {
        await producer.sendMany(ps);
      },
      async close() {
        await producer.close();
      },
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const consumer = new Consumer<Payload>({
      stream: ctx.key,
      group: 'bench',
      redis: ctx.url,
      concurrency: Number(ctx.extra.concurrency ?? STREAMQ_CONCURRENCY),
      visibilityTimeoutMs: 30_000,
      startAt: '0',
      ...((ctx.extra.consumer as object | undefined) ?? {}),
      handler: async (msg) => {
        onMessage(msg.data);
      },
    });
    return {
      async start() {
        await consumer.start();
      },
      async close() {
        await consumer.close();
      },
    };
  },
};
