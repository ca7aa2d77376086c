// The consumer side of a measurement: counts unique messages (by `i`), reports 'warm' once the
// warm-up messages arrived and 'done' once all N were handled and (with `settleTotal`) the system
// confirmed every ack. In the paced latency run it also records send→handler latency, GC pauses
// and event-loop delay.
import { loadAdapter, nowUs, type ChildMsg, type ConsumerHandle, type ConsumerInit, type Payload } from './common.js';
import { RssSampler } from './measure.js';
import { GcRecorder, LoopDelayRecorder } from './observe.js';

/** Which messages arrived: warm-up ones (negative i), measured ones once each, their latencies. */
class Tally {
  readonly #seen: Uint8Array;
  readonly #warmSeen: Uint8Array;
  readonly #latSend: Float64Array | null;
  readonly #latValue: Float64Array | null;
  #warmCount = 0;
  #latCount = 0;
  unique = 0;
  duplicates = 0;
  firstUs = 0;

  readonly #init: ConsumerInit;
  readonly #onWarm: () => void;
  readonly #onComplete: (lastUs: number) => void;

  constructor(init: ConsumerInit, onWarm: () => void, onComplete: (lastUs: number) => void) {
    this.#init = init;
    this.#onWarm = onWarm;
    this.#onComplete = onComplete;
    this.#seen = new Uint8Array(init.expect);
    this.#warmSeen = new Uint8Array(init.expectWarm);
    const measured = Math.max(0, init.expect - init.latencyWarmup);
    this.#latSend = init.latency ? new Float64Array(measured) : null;
    this.#latValue = init.latency ? new Float64Array(measured) : null;
  }

  readonly onMessage = (p: Payload): void => {
    const now = nowUs();
    const i = p.i;
    if (i < 0) return this.#warm(-i - 1);
    if (!(i < this.#init.expect)) return;
    if (this.#seen[i]) {
      this.duplicates++;
      return;
    }
    this.#seen[i] = 1;
    if (++this.unique === 1) this.firstUs = now;
    if (this.#latValue && i >= this.#init.latencyWarmup) {
      this.#latSend![this.#latCount] = p.t;
      this.#latValue[this.#latCount++] = now - p.t;
    }
    if (this.unique === this.#init.expect) this.#onComplete(now);
  };

  #warm(w: number): void {
    if (w >= this.#warmSeen.length || this.#warmSeen[w]) return;
    this.#warmSeen[w] = 1;
    if (++this.#warmCount === this.#warmSeen.length) this.#onWarm();
  }

  /** [send time µs, latency µs] of each measured message. */
  latencies(): [number, number][] {
    const out: [number, number][] = [];
    for (let k = 0; k < this.#latCount; k++) out.push([this.#latSend![k]!, this.#latValue![k]!]);
    return out;
  }
}

export async function consumerRole(init: ConsumerInit, send: (m: ChildMsg) => void) {
  let startedUs = 0;
  let rssAtMark = process.memoryUsage.rss();
  const rss = new RssSampler(init.rssSampleMs);
  const gc = init.latency ? new GcRecorder() : null;
  const loop = init.latency ? new LoopDelayRecorder() : null;

  const finish = async (lastUs: number) => {
    if (init.settleTotal > 0) await handle.settled(init.settleTotal);
    const settledUs = init.settleTotal > 0 ? nowUs() : lastUs;
    rss.stop();
    const loopDelay = loop?.stop();
    await new Promise<void>((r) => setImmediate(r)); // let the GC observer deliver its last entries
    send({
      type: 'done',
      startedUs,
      firstUs: tally.firstUs,
      lastUs,
      settledUs,
      unique: tally.unique,
      duplicates: tally.duplicates,
      peakRssBytes: rss.peak,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      rssAtMarkBytes: rssAtMark,
      peakHeapTotalBytes: rss.peakHeapTotal,
      peakHeapUsedBytes: rss.peakHeapUsed,
      peakExternalBytes: rss.peakExternal,
      latency: loopDelay ? { samples: tally.latencies(), loopDelay, gc: gc!.stop() } : null,
    });
  };
  const tally = new Tally(init, () => send({ type: 'warm' }), (lastUs) => {
    finish(lastUs).catch((err: unknown) => send({ type: 'error', message: `settle: ${String((err as Error)?.stack ?? err)}` }));
  });

  const adapter = await loadAdapter(init.system);
  const handle: ConsumerHandle = await adapter.createConsumer(init.ctx, tally.onMessage);
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
