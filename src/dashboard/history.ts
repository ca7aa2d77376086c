/**
 * The dashboard's memory of the last hour: one ring of sample times shared by every series, and
 * per stream a Float32Array ring per series (input rate, and per group: delivered, acked,
 * dead-lettered rates, lag, pending). NaN marks a tick without a value. Memory is bounded:
 * `capacity` slots per series and at most `maxStreams` streams with a history.
 */

/** The series kept per group. */
export const GROUP_SERIES = ['delivered', 'acked', 'deadLettered', 'lag', 'pending'] as const;
/** One of {@link GROUP_SERIES}. */
export type GroupSeriesName = (typeof GROUP_SERIES)[number];

/** One tick's values of a stream. */
export interface StreamSample {
  /** Entries added per second. */
  in: number | null;
  /** Per group: its values this tick. */
  groups: Map<string, Record<GroupSeriesName, number | null>>;
}

/** The history of a stream as the API returns it: oldest first; `null` where there was no value. */
export interface StreamHistory {
  /** Sample times (ms since the epoch). */
  times: number[];
  /** Entries added per second. */
  in: (number | null)[];
  /** Per group (an array, not an object keyed by name: a group may be named `__proto__`), each series. */
  groups: Array<{ name: string } & Record<GroupSeriesName, (number | null)[]>>;
}

interface StreamRings {
  in: Float32Array;
  groups: Map<string, Record<GroupSeriesName, Float32Array>>;
  lastTick: number;
}

const ring = (capacity: number): Float32Array => new Float32Array(capacity).fill(Number.NaN);
const orNaN = (value: number | null): number => (value === null || !Number.isFinite(value) ? Number.NaN : value);

/** Bounded, in-memory time series of every sampled stream. */
export class History {
  /** Ticks kept per series. */
  readonly capacity: number;
  /** Streams with a history at most. */
  readonly maxStreams: number;
  readonly #times: Float64Array;
  readonly #streams = new Map<string, StreamRings>();
  /** Ticks recorded so far; the newest is at slot `(#tick - 1) % capacity`. */
  #tick = 0;

  constructor(capacity: number, maxStreams: number) {
    this.capacity = capacity;
    this.maxStreams = maxStreams;
    this.#times = new Float64Array(capacity).fill(Number.NaN);
  }

  /** Streams with a history now. */
  get size(): number {
    return this.#streams.size;
  }

  /** Records one tick: its time and the values of the sampled streams (others get NaN). */
  record(at: number, samples: Map<string, StreamSample>): void {
    const slot = this.#tick % this.capacity;
    this.#times[slot] = at;
    for (const [stream, sample] of samples) {
      let rings = this.#streams.get(stream);
      if (rings === undefined) {
        if (this.#streams.size >= this.maxStreams) continue;
        rings = { in: ring(this.capacity), groups: new Map(), lastTick: this.#tick };
        this.#streams.set(stream, rings);
      }
      rings.lastTick = this.#tick;
      rings.in[slot] = orNaN(sample.in);
      for (const [group, values] of sample.groups) {
        let series = rings.groups.get(group);
        if (series === undefined) {
          series = Object.fromEntries(GROUP_SERIES.map((name) => [name, ring(this.capacity)])) as Record<GroupSeriesName, Float32Array>;
          rings.groups.set(group, series);
        }
        for (const name of GROUP_SERIES) series[name][slot] = orNaN(values[name]);
      }
      for (const [group, series] of rings.groups) if (!sample.groups.has(group)) for (const name of GROUP_SERIES) series[name][slot] = Number.NaN;
    }
    for (const [stream, rings] of this.#streams) {
      if (samples.has(stream)) continue;
      rings.in[slot] = Number.NaN;
      for (const series of rings.groups.values()) for (const name of GROUP_SERIES) series[name][slot] = Number.NaN;
      // Forgotten once it has been absent for a whole window (deleted streams free their slot).
      if (this.#tick - rings.lastTick >= this.capacity) this.#streams.delete(stream);
    }
    this.#tick++;
  }

  /** The slots of the last `count` ticks, oldest first. */
  #slots(count: number): number[] {
    const n = Math.min(count, this.#tick, this.capacity);
    return Array.from({ length: n }, (_, i) => (this.#tick - n + i) % this.capacity);
  }

  /** The history of a stream over the last `count` ticks, or `null` when it has none. */
  get(stream: string, count = this.capacity): StreamHistory | null {
    const rings = this.#streams.get(stream);
    if (rings === undefined) return null;
    const slots = this.#slots(count);
    const pick = (values: Float32Array): (number | null)[] => slots.map((slot) => {
      const v = values[slot] as number;
      return Number.isNaN(v) ? null : Math.round(v * 1000) / 1000;
    });
    const groups: StreamHistory['groups'] = [];
    for (const [group, series] of rings.groups) {
      groups.push({ name: group, ...(Object.fromEntries(GROUP_SERIES.map((name) => [name, pick(series[name])])) as Record<GroupSeriesName, (number | null)[]>) });
    }
    return { times: slots.map((slot) => this.#times[slot] as number), in: pick(rings.in), groups };
  }
}
