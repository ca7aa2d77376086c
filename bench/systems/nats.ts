// NATS JetStream (optional row: used when a nats-server answers on ctx.endpoints.nats). A stream
// with file storage and work-queue retention (an acked message is removed), one durable pull
// consumer with explicit acks. Producer: js.publish awaited (the PubAck means stored) / a batch of
// publishes awaited together. Consumer: consumer.consume({ max_messages: concurrency }), ack each.
import { existsSync } from 'node:fs';
import { AckPolicy, connect, RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import type { AdapterContext, ConsumerHandle, Endpoints, Payload, ProducerHandle, SystemAdapter } from '../common.js';
import { pollUntil } from '../common.js';

export const NATS_CONCURRENCY = 100;
const DURABLE = 'bench';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const open = (servers: string) => connect({ servers, timeout: 2_000, maxReconnectAttempts: 0 });

async function withConnection<T>(servers: string, body: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await open(servers);
  try {
    return await body(nc);
  } finally {
    await nc.close();
  }
}

/** Deletes streams that runs killed before their clean-up left behind (bench-nats-<pid>-<n> of a pid no longer running). */
async function removeLeftovers(jsm: JetStreamManager): Promise<void> {
  for await (const name of jsm.streams.names()) {
    const pid = /^bench-nats-(\d+)-\d+$/.exec(name)?.[1];
    if (pid && !existsSync(`/proc/${pid}`)) await jsm.streams.delete(name).catch(() => false);
  }
}

export const adapter: SystemAdapter = {
  name: 'nats',
  oneLabel: 'publish',
  bulkLabel: 'publish ×batch',
  server: { kind: 'external', comm: 'nats-server', label: 'nats-server' },
  settings: {
    client: 'nats (official Node client, v2)',
    stream: { storage: 'file', retention: 'workqueue', replicas: 1 },
    consumer: { durable: DURABLE, pull: true, ack_policy: 'explicit', max_messages: NATS_CONCURRENCY },
    produce: 'await js.publish(subject, json) one at a time / Promise.all of a batch of js.publish (each PubAck awaited)',
    durability: 'file store, 1 replica; the PubAck comes once the server stored the message, fsync on the server\'s own schedule (not per message)',
  },

  async probe(endpoints: Endpoints): Promise<string | null> {
    try {
      await withConnection(endpoints.nats, async (nc) => {
        await (await nc.jetstreamManager()).getAccountInfo();
      });
      return null;
    } catch (err) {
      return `not reachable on ${endpoints.nats} (${(err as Error).message.split('\n')[0]})`;
    }
  },

  async setup(ctx: AdapterContext): Promise<void> {
    await withConnection(ctx.endpoints.nats, async (nc) => {
      const jsm = await nc.jetstreamManager();
      await removeLeftovers(jsm);
      await jsm.streams.add({ name: ctx.key, subjects: [ctx.key], storage: StorageType.File, retention: RetentionPolicy.Workqueue, num_replicas: 1 });
      await jsm.consumers.add(ctx.key, { durable_name: DURABLE, ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 });
    });
  },

  async cleanup(ctx: AdapterContext): Promise<void> {
    await withConnection(ctx.endpoints.nats, async (nc) => {
      await (await nc.jetstreamManager()).streams.delete(ctx.key).catch(() => false);
    });
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const nc = await open(ctx.endpoints.nats);
    const js = nc.jetstream();
    const publish = (p: Payload) => js.publish(ctx.key, encoder.encode(JSON.stringify(p)));
    return {
      async produceOne(p: Payload) {
        await publish(p);
      },
      async produceBulk(ps: Payload[]) {
        await Promise.all(ps.map(publish));
      },
      close: () => nc.close(),
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const nc = await open(ctx.endpoints.nats);
    const jsm = await nc.jetstreamManager();
    const consumer = await nc.jetstream().consumers.get(ctx.key, DURABLE);
    const maxMessages = Number(ctx.extra.concurrency ?? NATS_CONCURRENCY);
    let loop: Promise<void> | undefined;
    let stop: (() => void) | undefined;
    return {
      async start() {
        const messages = await consumer.consume({ max_messages: maxMessages });
        stop = () => void messages.stop();
        loop = (async () => {
          for await (const m of messages) {
            onMessage(JSON.parse(decoder.decode(m.data)) as Payload);
            m.ack();
          }
        })();
      },
      async settled() {
        await pollUntil(async () => {
          const [info, stream] = await Promise.all([jsm.consumers.info(ctx.key, DURABLE), jsm.streams.info(ctx.key)]);
          return info.num_ack_pending === 0 && info.num_pending === 0 && stream.state.messages === 0;
        }, 1);
      },
      async close() {
        stop?.();
        await loop?.catch(() => {});
        await nc.close();
      },
    };
  },
};
