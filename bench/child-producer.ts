// The producer side of a measurement (as fast as it can, one call at a time or in batches, or
// paced), and the PING loop that shows this machine's round-trip floor.
import { createClient } from 'redis';
import { loadAdapter, makePayload, nowUs, type ChildMsg, type Payload, type PingInit, type ProducerHandle, type ProducerInit } from './common.js';
import { sleep } from './measure.js';
import { GcRecorder } from './observe.js';

/** Sends `p.produceOne` paced at `rate` msg/s from message `from` up to `upTo` (exclusive). */
async function paced(rate: number, from: number, upTo: number, one: (i: number) => Promise<void>): Promise<void> {
  const t0 = nowUs();
  let sent = from;
  while (sent < upTo) {
    const due = Math.min(upTo, from + Math.floor(((nowUs() - t0) * rate) / 1e6) + 1);
    while (sent < due) await one(sent++);
    await sleep(1);
  }
}

function bulkOf(p: ProducerHandle, init: ProducerInit): ((ps: Payload[]) => Promise<void>) | undefined {
  return init.mode === 'fill' ? (p.fill ?? p.produceBulk) : init.mode === 'bulk' ? p.produceBulk : undefined;
}

/** Warm-up (negative i): JIT, connections, scripts loaded — the same calls as the measured run. */
async function preWarm(p: ProducerHandle, init: ProducerInit): Promise<void> {
  const bulk = init.rate === 0 ? bulkOf(p, init) : undefined;
  for (let done = 0; done < init.preWarm; ) {
    if (bulk) {
      const size = Math.min(init.batch, init.preWarm - done);
      await bulk(Array.from({ length: size }, (_, k) => makePayload(-1 - (done + k))));
      done += size;
    } else {
      await p.produceOne(makePayload(-1 - done));
      done++;
    }
  }
}

export async function producerRole(init: ProducerInit, send: (m: ChildMsg) => void) {
  const adapter = await loadAdapter(init.system);
  const p = await adapter.createProducer(init.ctx);
  await preWarm(p, init);
  const one = (i: number) => p.produceOne(makePayload(i));
  return {
    async start() {
      const gc = init.observeGc ? new GcRecorder() : null;
      gc?.start();
      const startUs = nowUs();
      let sent = 0;
      if (init.rate > 0) {
        const total = init.durationMs > 0 ? Math.round((init.rate * init.durationMs) / 1000) : init.n;
        if (init.warmup > 0) {
          await paced(init.rate, 0, Math.min(total, init.warmup), one);
          await sleep(init.warmupGapMs);
        }
        await paced(init.rate, Math.min(total, init.warmup), total, one);
        sent = total;
      } else if (init.mode === 'bulk' || init.mode === 'fill') {
        const bulk = bulkOf(p, init);
        if (!bulk) throw new Error(`${init.system} has no bulk produce`);
        while (sent < init.n) {
          const size = Math.min(init.batch, init.n - sent);
          const t = nowUs();
          const batch: Payload[] = new Array(size);
          for (let k = 0; k < size; k++) batch[k] = makePayload(sent + k, t);
          await bulk(batch);
          sent += size;
        }
      } else {
        while (sent < init.n) await one(sent++);
      }
      const endUs = nowUs();
      await sleep(0);
      send({ type: 'produced', startUs, endUs, sent, gc: gc?.stop() ?? null });
    },
    close: () => p.close(),
  };
}

/** PING round trips through node-redis to the private Redis, paced like the latency run. */
export async function pingRole(init: PingInit, send: (m: ChildMsg) => void) {
  const c = createClient({ url: init.ctx.url });
  c.on('error', () => {});
  await c.connect();
  const samples: number[] = [];
  const ping = async (i: number) => {
    const t = nowUs();
    await c.ping();
    if (i >= init.warmup) samples.push(nowUs() - t);
  };
  return {
    async start() {
      await paced(init.rate, 0, init.warmup, ping);
      await sleep(1000);
      await paced(init.rate, init.warmup, init.warmup + init.n, ping);
      send({ type: 'pinged', samples });
    },
    close: () => c.close(),
  };
}
