// The consumer side of a measurement: counts unique messages (by `i`), reports 'warm' once the
// warm-up messages arrived and 'done' once all N were handled and (with `settleTotal`) the system
// confirmed every ack. In the paced latency run it also records send→handler latency, GC pauses
// and event-loop delay.
import { loadAdapter, nowUs, type ChildMsg, type ConsumerHandle, type ConsumerInit, type Payload } from './common.js';
import { RssSampler } from './measure.js';
import { GcRecorder, LoopDelayRecorder } from './observe.js';

export async function consumerRole(init: ConsumerInit, send: (m: ChildMsg) => void) {
  const n = init.expect;
  const seen = new Uint8Array(n);
  const measured = Math.max(0, n - init.latencyWarmup);
  const latSend = init.latency ? new Float64Array(measured) : null;
  const latValue = init.latency ? new Float64Array(measured) : null;
  let latCount = 0;
  let unique = 0;
  let duplicates = 0;
  let firstUs = 0;
  let startedUs = 0;
  let reported = false;
  let rssAtMark = process.memoryUsage.rss();
  const rss = new RssSampler(init.rssSampleMs);
  const gc = init.latency ? new GcRecorder() : null;
  const loop = init.latency ? new LoopDelayRecorder() : null;
  const warmSeen = new Uint8Array(init.expectWarm);
  let warmCount = 0;

  const finish = async (lastUs: number) => {
    if (init.settleTotal > 0) await handle.settled(init.settleTotal);
    const settledUs = init.settleTotal > 0 ? nowUs() : lastUs;
    rss.stop();
    const ru = process.resourceUsage();
    const loopDelay = loop?.stop();
    await new Promise<void>((r) => setImmediate(r)); // let the GC observer deliver its last entries
    const samples: [number, number][] = [];
    for (let k = 0; k < latCount; k++) samples.push([latSend![k]!, latValue![k]!]);
    send({
      type: 'done',
      startedUs,
      firstUs,
      lastUs,
      settledUs,
      unique,
      duplicates,
      peakRssBytes: rss.peak,
      maxRssBytes: ru.maxRSS * 1024,
      rssAtMarkBytes: rssAtMark,
      peakHeapTotalBytes: rss.peakHeapTotal,
      peakHeapUsedBytes: rss.peakHeapUsed,
      peakExternalBytes: rss.peakExternal,
      latency: loopDelay ? { samples, loopDelay, gc: gc!.stop() } : null,
    });
  };

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
    if (latValue && i >= init.latencyWarmup) {
      latSend![latCount] = p.t;
      latValue[latCount++] = now - p.t;
    }
    if (unique === n && !reported) {
      reported = true;
      finish(now).catch((err: unknown) => send({ type: 'error', message: `settle: ${String((err as Error)?.stack ?? err)}` }));
    }
  };

  const adapter = await loadAdapter(init.system);
  const handle: ConsumerHandle = await adapter.createConsumer(init.ctx, onMessage);
  rss.start();
  return {
    mark() {
      rssAtMark = process.memoryUsage.rss();
      gc?.start();
      loop?.start();
    },
    async start() {
      startedUs = nowUs();
      await handle.start();
      send({ type: 'started', startedUs });
    },
    async close() {
      rss.stop();
      await handle.close();
    },
  };
}
