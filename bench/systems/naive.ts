// "Naive streams": the loop the go-redis example writes, in node-redis. Producer: XADD, awaited,
// one message at a time. Consumer: one loop of XREADGROUP COUNT 1 BLOCK 0, handle, XACK — per
// message, no pipelining, no concurrency, no claiming of stuck entries.
import { createClient } from 'redis';
import type { AdapterContext, ConsumerHandle, Payload, ProducerHandle, SystemAdapter } from '../common.js';
import { pelWatcher } from './redis-settle.js';

const GROUP = 'bench';

async function connect(url: string) {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

export const adapter: SystemAdapter = {
  name: 'naive',
  oneLabel: 'XADD',
  bulkLabel: null,
  server: { kind: 'private-redis' },
  settings: {
    client: 'node-redis (one connection each side)',
    produce: 'XADD key * d <json>, awaited one at a time',
    consume: 'one loop: XREADGROUP GROUP g c COUNT 1 BLOCK 0 STREAMS key > ; handler ; XACK (awaited)',
    concurrency: 1,
  },

  async createProducer(ctx: AdapterContext): Promise<ProducerHandle> {
    const c = await connect(ctx.url);
    return {
      async produceOne(p: Payload) {
        await c.xAdd(ctx.key, '*', { d: JSON.stringify(p) });
      },
      // Backlog setup only: node-redis pipelines concurrent commands on the connection.
      async fill(ps: Payload[]) {
        await Promise.all(ps.map((p) => c.xAdd(ctx.key, '*', { d: JSON.stringify(p) })));
      },
      close: () => c.close(),
    };
  },

  async createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle> {
    const c = await connect(ctx.url);
    try {
      await c.xGroupCreate(ctx.key, GROUP, '0', { MKSTREAM: true });
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
    const pel = await pelWatcher(ctx.url, ctx.key, GROUP);
    let running = false;
    let loop: Promise<void> | undefined;
    const run = async () => {
      while (running) {
        const res = await c.xReadGroup(GROUP, 'c1', { key: ctx.key, id: '>' }, { COUNT: 1, BLOCK: 0 });
        if (!res) continue;
        for (const stream of res as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }>) {
          for (const m of stream.messages) {
            onMessage(JSON.parse(m.message.d!) as Payload);
            await c.xAck(ctx.key, GROUP, m.id);
          }
        }
      }
    };
    return {
      async start() {
        running = true;
        loop = run().catch((err: unknown) => {
          if (running) throw err;
        });
      },
      settled: () => pel.empty(),
      async close() {
        running = false;
        c.destroy(); // BLOCK 0 never returns on its own
        await loop?.catch(() => {});
        await pel.close();
      },
    };
  },
};
