// Shared by the orchestrator (run.ts), the child processes (child.ts) and the adapters.

export type SystemName = 'streamq' | 'bullmq' | 'beequeue' | 'naive';
export const ALL_SYSTEMS: readonly SystemName[] = ['streamq', 'bullmq', 'beequeue', 'naive'];

/** The message every system carries: ~100 bytes once JSON-encoded. */
export interface Payload {
  /** Sequence number 0..n-1 (the consumer uses it to count unique deliveries); negative for warm-up messages. */
  i: number;
  /** Send time, CLOCK_MONOTONIC in microseconds (same clock in every process on the machine). */
  t: number;
  kind: string;
  user: string;
  amount: number;
  note: string;
}

/** CLOCK_MONOTONIC in microseconds; comparable across processes on one machine. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const NOTE = 'hello';
export function makePayload(i: number, t: number = nowUs()): Payload {
  return {
    i,
    t,
    kind: 'order.created',
    user: `user-${i % 100_000}`,
    amount: (i % 10_000) / 100,
    note: NOTE,
  };
}

/** What the child needs to build a producer/consumer for one system. */
export interface AdapterContext {
  url: string;
  host: string;
  port: number;
  /** Stream / queue name; unique per measurement. */
  key: string;
  /** Extra, system-specific options (e.g. retention settings for the memory scenario). */
  extra: Record<string, unknown>;
}

export interface ProducerHandle {
  /** One message, awaited. */
  produceOne(p: Payload): Promise<void>;
  /** A batch in one call (sendMany / addBulk / saveAll). Absent when the system has none. */
  produceBulk?: (ps: Payload[]) => Promise<void>;
  /** Setup only (filling a backlog, not measured): fastest way in. Defaults to produceBulk. */
  fill?: (ps: Payload[]) => Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerHandle {
  /** Begins consuming (after this resolves or while it runs, onMessage is called). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface SystemAdapter {
  readonly name: SystemName;
  /** Human-readable, for the README and the JSON: how the system is configured. */
  readonly settings: Record<string, unknown>;
  /** Labels of the one-at-a-time and bulk produce calls, for the tables. */
  readonly oneLabel: string;
  readonly bulkLabel: string | null;
  createProducer(ctx: AdapterContext): Promise<ProducerHandle>;
  createConsumer(ctx: AdapterContext, onMessage: (p: Payload) => void): Promise<ConsumerHandle>;
}

export async function loadAdapter(name: SystemName): Promise<SystemAdapter> {
  switch (name) {
    case 'streamq':
      return (await import('./systems/streamq.js')).adapter;
    case 'bullmq':
      return (await import('./systems/bullmq.js')).adapter;
    case 'beequeue':
      return (await import('./systems/beequeue.js')).adapter;
    case 'naive':
      return (await import('./systems/naive.js')).adapter;
  }
}

// ---- parent <-> child protocol ---------------------------------------------------------------

export type ProduceMode = 'one' | 'bulk' | 'fill';

export interface ConsumerInit {
  role: 'consumer';
  system: SystemName;
  ctx: AdapterContext;
  /** Unique messages (i = 0..expect-1) to see before reporting done. */
  expect: number;
  /** Record send→handler latency for i >= latencyWarmup. */
  latency: boolean;
  latencyWarmup: number;
  /** Sample RSS this often (ms) while running. */
  rssSampleMs: number;
  /** Warm-up messages (i = -1 … -expectWarm) to see before reporting 'warm'; 0 = none expected. */
  expectWarm: number;
}

export interface ProducerInit {
  role: 'producer';
  system: SystemName;
  ctx: AdapterContext;
  mode: ProduceMode;
  n: number;
  batch: number;
  /** Messages per second when pacing (latency / memory scenarios); 0 = as fast as possible. */
  rate: number;
  /** Pace for this long instead of n messages (memory scenario); 0 = use n. */
  durationMs: number;
  /** Paced runs: the first `warmup` messages are followed by a pause of `warmupGapMs`, so a
   *  backlog built while the JIT was cold drains before the measured messages start. */
  warmup: number;
  warmupGapMs: number;
  /** Warm-up messages (i = -1, -2, …) sent the same way during init, before 'ready' (JIT, connections). */
  preWarm: number;
}

export type ChildInit = ConsumerInit | ProducerInit;

export type ParentMsg =
  | { type: 'init'; init: ChildInit }
  | { type: 'mark' } // consumer: take the CPU baseline now
  | { type: 'start' } // consumer: start consuming / producer: start producing
  | { type: 'close' };

export interface ConsumerDone {
  type: 'done';
  /** Time consumption started (µs, monotonic). */
  startedUs: number;
  /** Time the first / last unique message reached the handler. */
  firstUs: number;
  lastUs: number;
  unique: number;
  duplicates: number;
  /** CPU used since 'mark' (µs). */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Peak RSS sampled while running and the kernel's maxrss (bytes). */
  peakRssBytes: number;
  maxRssBytes: number;
  rssAtMarkBytes: number;
  peakHeapTotalBytes: number;
  peakHeapUsedBytes: number;
  peakExternalBytes: number;
  latency: { count: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; meanMs: number } | null;
}

export interface ProducerDone {
  type: 'produced';
  startUs: number;
  endUs: number;
  sent: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

export type ChildMsg =
  | { type: 'ready'; rssBytes: number }
  | { type: 'marked' }
  | { type: 'warm' }
  | { type: 'started'; startedUs: number }
  | ConsumerDone
  | ProducerDone
  | { type: 'error'; message: string }
  | { type: 'closed' };
