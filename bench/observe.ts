// What happens inside a measured process besides the queue's work: GC pauses (PerformanceObserver,
// entry type 'gc') and event-loop delay (perf_hooks.monitorEventLoopDelay). Used in the paced
// latency run, where a message that waits behind a pause shows up in the tail.
import { monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { nowUs, type GcPause, type LoopDelay } from './common.js';

/** performance.now() (ms since this process started) → CLOCK_MONOTONIC µs, as nowUs() gives. */
function clockOffsetUs(): number {
  return nowUs() - performance.now() * 1000;
}

/** Records every GC pause from start() to stop(). */
export class GcRecorder {
  readonly #pauses: GcPause[] = [];
  #observer: PerformanceObserver | undefined;
  readonly #offsetUs = clockOffsetUs();

  start(): void {
    this.#pauses.length = 0;
    this.#observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        this.#pauses.push([Math.round(this.#offsetUs + e.startTime * 1000), Math.round(e.duration * 1000), kind]);
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** Stops recording and returns the pauses seen (entries are delivered asynchronously: call after a turn). */
  stop(): GcPause[] {
    const pending = this.#observer?.takeRecords() ?? [];
    for (const e of pending) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      this.#pauses.push([Math.round(this.#offsetUs + e.startTime * 1000), Math.round(e.duration * 1000), kind]);
    }
    this.#observer?.disconnect();
    this.#observer = undefined;
    return [...this.#pauses];
  }
}

/** monitorEventLoopDelay over a window. */
export class LoopDelayRecorder {
  static readonly RESOLUTION_MS = 1;
  #h: IntervalHistogram | undefined;

  start(): void {
    this.#h = monitorEventLoopDelay({ resolution: LoopDelayRecorder.RESOLUTION_MS });
    this.#h.enable();
  }

  stop(): LoopDelay {
    const h = this.#h!;
    h.disable();
    return {
      p50Ms: h.percentile(50) / 1e6,
      p99Ms: h.percentile(99) / 1e6,
      maxMs: h.max / 1e6,
      meanMs: h.mean / 1e6,
      resolutionMs: LoopDelayRecorder.RESOLUTION_MS,
    };
  }
}
