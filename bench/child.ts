// One measured process: either the consumer side or the producer side of one system. Started by
// run.ts with fork(); driven over the IPC channel (see ParentMsg / ChildMsg in common.ts).
import {
  loadAdapter,
  makePayload,
  nowUs,
  type ChildMsg,
  type ConsumerHandle,
  type ConsumerInit,
  type ParentMsg,
  type Payload,
  type ProducerHandle,
  type ProducerInit,
} from './common.js';
import { RssSampler, sleep, summarizeLatencyUs, withDeadline } from './measure.js';

const send = (m: ChildMsg) => {
  if (process.send) process.send(m);
};

process.on('disconnect', () => process.exit(1));
process.on('unhandledRejection', (err) => {
  send({ type: 'error', message: `unhandledRejection: ${String((err as Error)?.stack ?? err)}` });
});

let consumerState: ReturnType<typeof consumerRole> | undefined;
let producerState: Awaited<ReturnType<typeof producerRole>> | undefined;

process.on('message', (raw) => {
  const msg = raw as ParentMsg;
  void handle(msg).catch((err: unknown) => {
    send({ type: 'error', message: String((err as Error)?.stack ?? err) });
  });
});

async function handle(msg: ParentMsg): Promise<void> {
  switch (msg.type) {
    case 'init':
      if (msg.init.role === 'consumer') {
        consumerState = consumerRole(msg.init);
        await consumerState.init();
      } else {
        producerState = await producerRole(msg.init);
      }
      send({ type: 'ready', rssBytes: process.memoryUsage.rss() });
      return;
    case 'mark':
      consumerState?.mark();
      send({ type: 'marked' });
      return;
    case 'start':
      if (consumerState) await consumerState.start();
      else if (producerState) await producerState.run();
      return;
    case 'close': {
      const h: { close(): Promise<void> } | undefined = consumerState ?? producerState;
      try {
        if (h) await withDeadline(h.close(), 15_000, 'close');
      } finally {
        send({ type: 'closed' });
        setTimeout(() => process.exit(0), 20).unref();
      }
      return;
    }
  }
}

function consumerRole(init: ConsumerInit) {
  const n = init.expect;
  const seen = new Uint8Array(n);
  const lat = init.latency ? new Float64Array(Math.max(0, n - init.latencyWarmup)) : null;
  let latCount = 0;
  let unique = 0;
  let duplicates = 0;
  let firstUs = 0;
  let startedUs = 0;
  let reported = false;
  let cpuBase = process.cpuUsage();
  let rssAtMark = process.memoryUsage.rss();
  const rss = new RssSampler(init.rssSampleMs);
  let handle: ConsumerHandle | undefined;

  const warmSeen = new Uint8Array(init.expectWarm);
  let warmCount = 0;
  const onMessage = (p: Payload) => {
    const now = nowUs();
    const i = p.i;
    if (i < 0) {
      const w = -i - 1;
      if (w < warmSeen.length && !warmSeen[w]) {
        warmSeen[w] = 1;
        if (++warmCount === warmSeen.length) send({ type: 'warm' });
      }
      return;
    }
    if (!(i < n)) return;
    if (seen[i]) {
      duplicates++;
      return;
    }
    seen[i] = 1;
    unique++;
    if (unique === 1) firstUs = now;
    if (lat && i >= init.latencyWarmup) lat[latCount++] = now - p.t;
    if (unique === n && !reported) {
      reported = true;
      const cpu = process.cpuUsage(cpuBase);
      rss.stop();
      const ru = process.resourceUsage();
      send({
        type: 'done',
        startedUs,
        firstUs,
        lastUs: now,
        unique,
        duplicates,
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        peakRssBytes: rss.peak,
        maxRssBytes: ru.maxRSS * 1024,
        rssAtMarkBytes: rssAtMark,
        peakHeapTotalBytes: rss.peakHeapTotal,
        peakHeapUsedBytes: rss.peakHeapUsed,
        peakExternalBytes: rss.peakExternal,
        latency: lat ? summarizeLatencyUs(lat.subarray(0, latCount)) : null,
      });
    }
  };

  return {
    async init() {
      const adapter = await loadAdapter(init.system);
      handle = await adapter.createConsumer(init.ctx, onMessage);
      rss.start();
    },
    mark() {
      cpuBase = process.cpuUsage();
      rssAtMark = process.memoryUsage.rss();
    },
    async start() {
      startedUs = nowUs();
      await handle!.start();
      send({ type: 'started', startedUs });
    },
    async close() {
      rss.stop();
      await handle?.close();
    },
  };
}

async function producerRole(init: ProducerInit) {
  const adapter = await loadAdapter(init.system);
  const p: ProducerHandle = await adapter.createProducer(init.ctx);
  // Warm-up (negative i): JIT, connections, scripts loaded — same calls as the measured run.
  if (init.preWarm > 0) {
    const bulk = init.mode === 'fill' ? (p.fill ?? p.produceBulk) : init.mode === 'bulk' ? p.produceBulk : undefined;
    for (let done = 0; done < init.preWarm; ) {
      if (bulk && init.rate === 0) {
        const size = Math.min(init.batch, init.preWarm - done);
        await bulk(Array.from({ length: size }, (_, k) => makePayload(-1 - (done + k))));
        done += size;
      } else {
        await p.produceOne(makePayload(-1 - done));
        done++;
      }
    }
  }
  return {
    async run() {
      const cpu0 = process.cpuUsage();
      const startUs = nowUs();
      let sent = 0;
      if (init.rate > 0) {
        const total = init.durationMs > 0 ? Math.round((init.rate * init.durationMs) / 1000) : init.n;
        const paced = async (upTo: number) => {
          const t0 = nowUs();
          const from = sent;
          while (sent < upTo) {
            const due = Math.min(upTo, from + Math.floor(((nowUs() - t0) * init.rate) / 1e6) + 1);
            while (sent < due) {
              await p.produceOne(makePayload(sent));
              sent++;
            }
            await sleep(1);
          }
        };
        if (init.warmup > 0) {
          await paced(Math.min(total, init.warmup));
          await sleep(init.warmupGapMs);
        }
        await paced(total);
      } else if (init.mode === 'bulk' || init.mode === 'fill') {
        const bulk = init.mode === 'fill' ? (p.fill ?? p.produceBulk) : p.produceBulk;
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
        while (sent < init.n) {
          await p.produceOne(makePayload(sent));
          sent++;
        }
      }
      const endUs = nowUs();
      const cpu = process.cpuUsage(cpu0);
      send({ type: 'produced', startUs, endUs, sent, cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
    },
    close: () => p.close(),
  };
}
