/**
 * Samples every stream every `intervalMs` (2 s by default) so that the overview answers at once
 * and the charts have a past: rates per stream and group are the change of Redis's own counters
 * between two samples (entries added; a group's entries read; its pending count; dead letters
 * added, counted per group), so they are right whichever process produced or consumed.
 *
 * A stream with priority levels is one row, its figures summed over the levels (levels.ts).
 *
 * Cost: one `Admin.snapshot` per stream (one read-only script call, stream-snapshot.lua), issued
 * for up to 100 streams at once so node-redis pipelines them; the
 * stream list (SCAN) is refreshed every `listEveryTicks` ticks; INFO once per tick. A tick that
 * is still running when the next is due skips it: a slow Redis is never sent more.
 */
import type { Admin } from '../index.js';
import type { ServerInfo } from '../admin-server.js';
import type { StreamSnapshot } from '../admin-overview.js';
import { isUnavailable } from './availability.js';
import { History, type StreamHistory, type StreamSample } from './history.js';
import { combineLevels } from './levels.js';

/** One row of the overview: a stream's state and rates, or its error. */
export interface OverviewRow {
  /** The stream's name, as Redis has it. */
  stream: string;
  /** Why the stream could not be read (then no figures). */
  error?: { code: string; message: string };
  /** Entries in the stream (every priority level's, for a stream with levels). */
  length?: number;
  /** Entries added per second (null until two samples). */
  rateIn?: number | null;
  /** Entries delivered per second, all groups together. */
  rateOut?: number | null;
  /** Consumer groups. */
  groups?: number;
  /** Pending entries, all groups together. */
  pending?: number;
  /** The largest lag of its groups (null: none known). */
  worstLag?: number | null;
  /** Age in ms of the oldest pending entry of any group (null: nothing pending). */
  oldestPendingMs?: number | null;
  /** Entries in the dead-letter stream. */
  deadLetters?: number;
  /** Messages in the delayed set. */
  delayed?: number;
  /** Groups paused now. */
  paused?: number;
}

/** What the sampler knows now. */
export interface OverviewState {
  /** One row per stream, in the order listed. */
  rows: OverviewRow[];
  /** Redis server facts of the last sample. */
  server: ServerInfo | null;
  /** When the last successful tick read Redis (ms), or null before the first. */
  sampledAt: number | null;
  /** How long that tick took (ms). */
  sampleMs: number | null;
  /** When Redis stopped answering the sampler (ms), or null while it answers. */
  unavailableSince: number | null;
  /** Why the last tick failed when Redis did answer (e.g. a cluster without a node list), else null. */
  error: { code: string; message: string } | null;
}

/** Options of {@link Sampler}. */
export interface SamplerOptions {
  /** Where to read from. */
  admin: Admin;
  /** Time between samples (ms). */
  intervalMs: number;
  /** How much history to keep (ms). */
  historyMs: number;
  /** At most this many streams keep a history. */
  maxHistoryStreams: number;
  /** Re-read the stream list every this many samples. @default 5 */
  listEveryTicks?: number;
}

/** Streams sampled at once (their script calls pipelined together). */
const BATCH = 100;
/** New dead letters read per stream and tick to count them per group. */
const DEAD_LETTER_SCAN = 1000;

const msOfId = (id: string | null): number | null => (id === null ? null : Number(id.split('-')[0]));
const nextId = (id: string): string => {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
};

const errorRow = (stream: string, error: unknown): OverviewRow => {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { stream, error: { code: typeof code === 'string' ? code : 'ERR_STREAMQ', message: typeof message === 'string' ? message : 'internal error' } };
};

/** Samples streams on a timer and keeps the overview and the history. */
export class Sampler {
  /** Time between samples (ms). */
  readonly intervalMs: number;
  readonly #admin: Admin;
  readonly #history: History;
  readonly #listEvery: number;
  #names: string[] = [];
  #ticks = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #prev = new Map<string, StreamSnapshot>();
  #state: OverviewState = { rows: [], server: null, sampledAt: null, sampleMs: null, unavailableSince: null, error: null };
  #stopped = false;

  constructor(options: SamplerOptions) {
    this.#admin = options.admin;
    this.intervalMs = options.intervalMs;
    this.#history = new History(Math.max(2, Math.ceil(options.historyMs / options.intervalMs)), options.maxHistoryStreams);
    this.#listEvery = options.listEveryTicks ?? 5;
  }

  /** Starts ticking (the first tick at once). */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => void this.tick(), this.intervalMs);
    this.#timer.unref();
    void this.tick();
  }

  /** Stops ticking; resolves when a running tick has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  /** What is known now. */
  get state(): OverviewState {
    return this.#state;
  }

  /** The history of a stream (null: none, e.g. not yet sampled). */
  history(stream: string, count?: number): StreamHistory | null {
    return this.#history.get(stream, count);
  }

  /** Re-reads the stream list at the next tick (after a write that adds or removes streams). */
  relist(): void {
    this.#ticks = 0;
  }

  /** Runs one tick now unless one is running; resolves when it (or the running one) is done. */
  tick(): Promise<void> {
    this.#running ??= this.#tick().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(): Promise<void> {
    const started = performance.now();
    try {
      if (this.#ticks % this.#listEvery === 0 || this.#names.length === 0) this.#names = await this.#admin.listStreams();
      const [server, snapshots] = await Promise.all([this.#admin.serverInfo(), this.#snapshots(this.#names)]);
      const at = Date.now();
      const rows: OverviewRow[] = [];
      const samples = new Map<string, StreamSample>();
      const prev = new Map<string, StreamSnapshot>();
      const computed = await Promise.all(snapshots.map((snap) => (snap instanceof Error ? null : this.#sample(snap))));
      for (const [i, stream] of this.#names.entries()) {
        const snap = snapshots[i];
        const sample = computed[i];
        if (snap === undefined || snap instanceof Error || sample === undefined || sample === null) {
          rows.push(errorRow(stream, snap));
          continue;
        }
        samples.set(stream, sample);
        prev.set(stream, snap);
        rows.push(this.#row(snap, sample, at));
      }
      this.#prev = prev;
      this.#history.record(at, samples);
      this.#state = { rows, server, sampledAt: at, sampleMs: Math.round(performance.now() - started), unavailableSince: null, error: null };
      this.#ticks++;
    } catch (error) {
      if (isUnavailable(error)) this.#state = { ...this.#state, unavailableSince: this.#state.unavailableSince ?? Date.now() };
      else this.#state = { ...this.#state, unavailableSince: null, error: errorRow('', error).error ?? null };
      this.#ticks = 0; // list again when Redis is back
    }
  }

  /** Snapshots of many streams, {@link BATCH} at a time; a stream that fails gives its error (an outage rejects). */
  async #snapshots(names: string[]): Promise<Array<StreamSnapshot | Error>> {
    const result: Array<StreamSnapshot | Error> = [];
    for (let at = 0; at < names.length; at += BATCH) {
      const batch = await Promise.all(names.slice(at, at + BATCH).map((name) => this.#admin.snapshot(name).then(combineLevels).catch((error: unknown) => {
        if (isUnavailable(error)) throw error;
        return error instanceof Error ? error : new Error(String(error));
      })));
      result.push(...batch);
    }
    return result;
  }

  /** Dead letters added since the previous sample, per group (read only when the dead-letter stream moved). */
  async #deadPerGroup(snap: StreamSnapshot, prev: StreamSnapshot): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (snap.deadLastId === null || snap.deadLastId === prev.deadLastId) return counts;
    const start = prev.deadLastId === null ? '-' : nextId(prev.deadLastId);
    const letters = await this.#admin.deadLetters(snap.stream, { start, count: DEAD_LETTER_SCAN }).catch(() => []);
    for (const letter of letters) counts.set(letter.group ?? '', (counts.get(letter.group ?? '') ?? 0) + 1);
    return counts;
  }

  /** Rates and levels of one stream from two consecutive snapshots. */
  async #sample(snap: StreamSnapshot): Promise<StreamSample> {
    const prev = this.#prev.get(snap.stream);
    const groups: StreamSample['groups'] = new Map();
    if (prev === undefined) {
      for (const g of snap.groups) groups.set(g.name, { delivered: null, acked: null, deadLettered: null, lag: g.lag, pending: g.pending });
      return { in: null, groups };
    }
    const seconds = Math.max(0.001, (snap.at.getTime() - prev.at.getTime()) / 1000);
    const rate = (delta: number | null): number | null => (delta === null || delta < 0 ? null : delta / seconds);
    const added = snap.entriesAdded !== null && prev.entriesAdded !== null ? snap.entriesAdded - prev.entriesAdded : snap.length - prev.length;
    const dead = await this.#deadPerGroup(snap, prev);
    for (const g of snap.groups) {
      const before = prev.groups.find((p) => p.name === g.name);
      // A group that has delivered nothing yet may report entries-read as unknown: it is 0.
      const readBefore = before ? before.entriesRead ?? (before.lastDeliveredId === '0-0' ? 0 : null) : null;
      const delivered = g.entriesRead !== null && readBefore !== null ? g.entriesRead - readBefore : null;
      const deadLettered = before ? dead.get(g.name) ?? 0 : null;
      // Leaving the pending list is an ack or a dead letter (dead-letter.lua acknowledges too).
      const acked = delivered !== null && before ? Math.max(0, delivered - (g.pending - before.pending) - (deadLettered ?? 0)) : null;
      groups.set(g.name, { delivered: rate(delivered), acked: rate(acked), deadLettered: rate(deadLettered), lag: g.lag, pending: g.pending });
    }
    return { in: rate(Math.max(0, added)), groups };
  }

  /** The overview row of a stream. */
  #row(snap: StreamSnapshot, sample: StreamSample, at: number): OverviewRow {
    const lags = snap.groups.map((g) => g.lag).filter((lag): lag is number => lag !== null);
    const oldest = snap.groups.map((g) => msOfId(g.oldestPendingId)).filter((ms): ms is number => ms !== null);
    const delivered = [...sample.groups.values()].map((g) => g.delivered);
    const known = delivered.filter((d): d is number => d !== null);
    return {
      stream: snap.stream,
      length: snap.length,
      rateIn: sample.in,
      // Groups whose entries-read Redis does not know are left out; null only when none is known.
      rateOut: known.length === 0 ? (delivered.length === 0 ? 0 : null) : known.reduce((a, b) => a + b, 0),
      groups: snap.groups.length,
      pending: snap.groups.reduce((sum, g) => sum + g.pending, 0),
      worstLag: lags.length === 0 ? null : Math.max(...lags),
      oldestPendingMs: oldest.length === 0 ? null : Math.max(0, at - Math.min(...oldest)),
      deadLetters: snap.deadLetters,
      delayed: snap.delayed,
      paused: snap.groups.filter((g) => g.paused).length,
    };
  }
}
