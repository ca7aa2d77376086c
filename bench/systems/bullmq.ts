// BullMQ: Queue.add / Queue.addBulk on the producer side, one Worker (concurrency BULLMQ_CONCURRENCY)
// on the consumer side. Completed jobs are removed (removeOnComplete) so Redis does not grow.
import { Queue, Worker } from 'bullmq';
import type { AdapterContext, ConsumerHandle, Payload, ProducerHandle, SystemAdapter } from '../common.js';
import { Completions } from './completions.js';

export const BULLMQ_CONCURRENCY = 100;

export const adapter: SystemAdapter = {
  name: 'bullmq',
  oneLabel: 'add',
  bulkLabel: 'addBulk',
  server: { kind: 'private-redis' },
  settings: {
    client: 'ioredis (BullMQ default connections)',
    produce: "queue.add('m', data) awaited one at a time / queue.addBulk(batch)",
    jobOptions: { removeOnComplete: true, removeOnFail: true },
    worker: {
      concurrency: BULLMQ_CONCURRENCY,
      removeOnComplete: { count: 0 },
      stalledChecks: 'on (BullMQ default)',
      lockDuration: '30000 (default)',
    },
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const q = new Queue(ctx.key, {
      connection: { host: ctx.host, port: ctx.port },
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    q.on('error', () => {});
    await q.waitUntilReady();
    return {
      async produceOne(p: Payload) {
        await q.add('m', p);
      },
      async produceBulk(ps: Payload[]) {
        await q.addBulk(ps.map((data) => ({ name: 'm', data })));
      },
      async close() {
        await q.close();
      },
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const concurrency = Number(ctx.extra.concurrency ?? BULLMQ_CONCURRENCY);
    const w = new Worker(
      ctx.key,
      async (job) => {
        onMessage(job.data as Payload);
      },
      {
        connection: { host: ctx.host, port: ctx.port, maxRetriesPerRequest: null },
        concurrency,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
        autorun: false,
      },
    );
    w.on('error', () => {});
    const completions = new Completions();
    w.on('completed', completions.add);
    await w.waitUntilReady();
    let running: Promise<void> | undefined;
    return {
      async start() {
        running = w.run().catch(() => {});
      },
      settled: (total) => completions.reached(total),
      async close() {
        await w.close();
        await running;
      },
    };
  },
};
