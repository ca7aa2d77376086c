// RabbitMQ (optional rows: used when a broker answers on ctx.endpoints.amqp). A durable queue,
// quorum or classic (ctx.extra.queueType), persistent messages, publisher confirms, manual acks,
// prefetch = concurrency; amqplib. Producer: sendToQueue + its confirm awaited one at a time / a
// batch of sendToQueue then waitForConfirms. Consumer: consume with noAck false, ack each.
import amqp from 'amqplib';
import type { AdapterContext, ConsumerHandle, Endpoints, Payload, ProducerHandle, SystemAdapter } from '../common.js';
import { pollUntil } from '../common.js';

export const RABBIT_PREFETCH = 100;

/** TCP_NODELAY, as node-redis, ioredis and nats set it (amqplib leaves Nagle on: small ack frames would wait for delayed ACKs). */
const open = (url: string, timeout?: number) => amqp.connect(url, { noDelay: true, ...(timeout ? { timeout } : {}) });

/** x-expires: a queue left behind by a killed run is deleted by the broker after 10 unused minutes. */
const queueArgs = (ctx: AdapterContext) => ({ durable: true, arguments: { 'x-queue-type': String(ctx.extra.queueType ?? 'quorum'), 'x-expires': 600_000 } });

export const adapter: SystemAdapter = {
  name: 'rabbitmq',
  oneLabel: 'sendToQueue + confirm',
  bulkLabel: 'sendToQueue ×batch + waitForConfirms',
  server: { kind: 'external', comm: 'beam.smp', cmdline: '-s\0rabbit\0', label: 'RabbitMQ (beam.smp)' },
  settings: {
    client: 'amqplib (noDelay: true)',
    queue: { durable: true, 'x-queue-type': 'quorum | classic (by row)' },
    publish: { persistent: true, confirms: 'confirm channel' },
    consume: { noAck: false, prefetch: RABBIT_PREFETCH },
    durability: 'durable queue, persistent messages; a confirm comes once the broker wrote the message to disk (quorum: its Raft log, fsynced; classic: its message store)',
  },

  async probe(endpoints: Endpoints): Promise<string | null> {
    try {
      const c = await open(endpoints.amqp, 2_000);
      await c.close();
      return null;
    } catch (err) {
      return `not reachable on ${endpoints.amqp.replace(/\/\/[^@/]*@/, '//')} (${(err as Error).message.split('\n')[0]})`;
    }
  },

  async setup(ctx: AdapterContext): Promise<void> {
    const c = await open(ctx.endpoints.amqp);
    try {
      const ch = await c.createChannel();
      await ch.assertQueue(ctx.key, queueArgs(ctx));
    } finally {
      await c.close();
    }
  },

  async cleanup(ctx: AdapterContext): Promise<void> {
    const c = await open(ctx.endpoints.amqp);
    try {
      const ch = await c.createChannel();
      await ch.deleteQueue(ctx.key);
    } finally {
      await c.close();
    }
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const c = await open(ctx.endpoints.amqp);
    const ch = await c.createConfirmChannel();
    const body = (p: Payload) => Buffer.from(JSON.stringify(p));
    return {
      produceOne: (p: Payload) =>
        new Promise<void>((resolve, reject) => {
          ch.sendToQueue(ctx.key, body(p), { persistent: true }, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
        }),
      async produceBulk(ps: Payload[]) {
        for (const p of ps) {
          if (!ch.sendToQueue(ctx.key, body(p), { persistent: true })) await new Promise<void>((r) => ch.once('drain', () => r()));
        }
        await ch.waitForConfirms();
      },
      close: () => c.close(),
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const c = await open(ctx.endpoints.amqp);
    const ch = await c.createChannel();
    await ch.prefetch(Number(ctx.extra.concurrency ?? RABBIT_PREFETCH));
    return {
      async start() {
        await ch.consume(ctx.key, (msg) => {
          if (!msg) return;
          onMessage(JSON.parse(msg.content.toString()) as Payload);
          ch.ack(msg);
        }, { noAck: false });
      },
      // AMQP acks have no reply: a synchronous call on the same channel after the last ack returns
      // once the broker has read every ack before it; the queue must then hold nothing ready.
      async settled() {
        await pollUntil(async () => (await ch.checkQueue(ctx.key)).messageCount === 0, 1);
      },
      async close() {
        await c.close().catch(() => {});
      },
    };
  },
};
