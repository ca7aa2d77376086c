// bee-queue: createJob(data).save() one at a time / queue.saveAll(jobs) on the producer side; one
// worker Queue with process(BEE_CONCURRENCY, handler) on the consumer side. removeOnSuccess so
// Redis does not grow; events (pub/sub per job) are off because nobody listens to them.
import BeeQueue from 'bee-queue';
import type { AdapterContext, ConsumerHandle, Payload, ProducerHandle, SystemAdapter } from '../common.js';
import { Completions } from './completions.js';

export const BEE_CONCURRENCY = 100;

const common = (ctx: AdapterContext) => ({
  redis: { host: ctx.host, port: ctx.port },
  getEvents: false,
  sendEvents: false,
  storeJobs: false,
  removeOnSuccess: true,
  removeOnFailure: true,
  activateDelayedJobs: false,
});

export const adapter: SystemAdapter = {
  name: 'beequeue',
  oneLabel: 'save',
  bulkLabel: 'saveAll',
  server: { kind: 'private-redis' },
  settings: {
    client: 'bee-queue bundled redis@3 client',
    produce: 'queue.createJob(data).save() awaited one at a time / queue.saveAll(batch)',
    queue: { getEvents: false, sendEvents: false, storeJobs: false, removeOnSuccess: true, removeOnFailure: true },
    worker: { concurrency: BEE_CONCURRENCY, stallInterval: '5000 (default)' },
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const q = new BeeQueue<Payload>(ctx.key, { ...common(ctx), isWorker: false });
    q.on('error', () => {});
    await q.ready();
    return {
      async produceOne(p: Payload) {
        await q.createJob(p).save();
      },
      async produceBulk(ps: Payload[]) {
        const errors = await q.saveAll(ps.map((p) => q.createJob(p)));
        if (errors.size > 0) throw new Error(`saveAll: ${errors.size} jobs failed`);
      },
      async close() {
        await q.close(5_000);
      },
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const concurrency = Number(ctx.extra.concurrency ?? BEE_CONCURRENCY);
    const q = new BeeQueue<Payload>(ctx.key, { ...common(ctx), isWorker: true });
    q.on('error', () => {});
    const completions = new Completions();
    q.on('succeeded', completions.add);
    await q.ready();
    return {
      async start() {
        q.process(concurrency, async (job: BeeQueue.Job<Payload>) => {
          onMessage(job.data);
        });
      },
      settled: (total) => completions.reached(total),
      async close() {
        await q.close(5_000);
      },
    };
  },
};
