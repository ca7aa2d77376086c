// Shared by the orchestrator (run.ts), the child processes (child*.ts) and the adapters: the
// payload, the adapter interface and the parent ⇄ child protocol.

export type SystemName = 'streamq' | 'bullmq' | 'beequeue' | 'naive' | 'nats' | 'rabbitmq';
export const ALL_SYSTEMS: readonly SystemName[] = ['streamq', 'bullmq', 'beequeue', 'naive', 'nats', 'rabbitmq'];

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
  return { i, t, kind: 'order.created', user: `user-${i % 100_000}`, amount: (i % 10_000) / 100, note: NOTE };
}

/** Where the servers of the optional rows listen (NATS, RabbitMQ). */
export interface Endpoints {
  nats: string;
  amqp: string;
}

/** What the child needs to build a producer/consumer for one system. */
export interface AdapterContext {
  /** The private redis-server. */
  url: string;
  host: string;
  port: number;
  endpoints: Endpoints;
  /** Stream / queue name; unique per measurement. */
  key: string;
  /** Extra, system-specific options (e.g. `{ consumer: { deleteOnAck: true } }`); see each adapter. */
  extra: Record<string, unknown>;
}

export interface ProducerHandle {
  /** One message, awaited (confirmed by the server). */
  produceOne(p: Payload): Promise<void>;
  /** A batch in one call (sendMany / addBulk / saveAll / confirmed publishes). Absent when the system has none. */
  produceBulk?: (ps: Payload[]) => Promise<void>;
  /** Setup only (filling a backlog, not measured): fastest way in. Defaults to produceBulk. */
  fill?: (ps: Payload[]) => Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerHandle {
  /** Begins consuming (after this resolves or while it runs, onMessage is called). */
  start(): Promise<void>;
  /**
   * Resolves once the system's own accounting says that all `total` messages sent so far were
   * handled and acknowledged (streamq / naive: the group's PEL is empty; BullMQ / bee-queue:
   * `total` completions reported; NATS: nothing pending or awaiting an ack; RabbitMQ: a synchronous
   * call after the last ack finds the queue empty).
   */
  settled(total: number): Promise<void>;
  close(): Promise<void>;
}

/** The process whose CPU is the server's: the private redis-server, or a running broker found by name. */
export type ServerProcess = { kind: 'private-redis' } | { kind: 'external'; comm: string; cmdline?: string; label: string };

export interface SystemAdapter {
  readonly name: SystemName;
  /** Human-readable, for the README and the JSON: how the system is configured. */
  readonly settings: Record<string, unknown>;
  /** Labels of the one-at-a-time and bulk produce calls, for the tables. */
  readonly oneLabel: string;
  readonly bulkLabel: string | null;
  readonly server: ServerProcess;
  /** `null` when the system's server answers; otherwise why the row is skipped. */
  probe?(endpoints: Endpoints): Promise<string | null>;
  /** Creates the queue / stream of one measurement (before its producer and consumer start). */
  setup?(ctx: AdapterContext): Promise<void>;
  /** Removes what setup and the run created (queues, streams) after one measurement. */
  cleanup?(ctx: AdapterContext): Promise<void>;
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
    case 'nats':
      return (await import('./systems/nats.js')).adapter;
    case 'rabbitmq':
      return (await import('./systems/rabbitmq.js')).adapter;
  }
}

/** Polls `check` until it returns true; each failed check waits `everyMs` (0: next turn of the loop). */
export async function pollUntil(check: () => Promise<boolean>, everyMs = 0): Promise<void> {
  while (!(await check())) await new Promise<void>((r) => (everyMs > 0 ? setTimeout(r, everyMs) : setImmediate(r)));
}

// ---- parent <-> child protocol ---------------------------------------------------------------

export type ProduceMode = 'one' | 'bulk' | 'fill';

export interface ConsumerInit {
  role: 'consumer';
  system: SystemName;
  ctx: AdapterContext;
  /** Unique messages (i = 0..expect-1) to see before reporting done. */
  expect: number;
  /** Paced latency run: record send→handler latency for i >= latencyWarmup, event-loop delay and GC. */
  latency: boolean;
  latencyWarmup: number;
  /** Sample RSS this often (ms) while running. */
  rssSampleMs: number;
  /** Warm-up messages (i = -1 … -expectWarm) to see before reporting 'warm'; 0 = none expected. */
  expectWarm: number;
  /** Before reporting done, wait until the system confirms this many messages (all sent, warm-up
   *  included) acknowledged (ConsumerHandle.settled); 0 = report when the last one was handled. */
  settleTotal: number;
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
  /** Record GC pauses while producing (paced latency run). */
  observeGc: boolean;
}

/** A paced PING loop (the round-trip floor of this machine), no queue involved. */
export interface PingInit {
  role: 'ping';
  system: SystemName;
  ctx: AdapterContext;
  n: number;
  warmup: number;
  rate: number;
}

export type ChildInit = ConsumerInit | ProducerInit | PingInit;

export type ParentMsg =
  | { type: 'init'; init: ChildInit }
  | { type: 'mark' } // consumer: take the baselines (RSS, GC, event-loop delay) now
  | { type: 'start' } // consumer: start consuming / producer: start producing
  | { type: 'close' };

/** A GC pause: start (µs, CLOCK_MONOTONIC), duration (µs) and V8's kind (1 minor, 2 major, 4 incremental, 8 weak callbacks). */
export type GcPause = [startUs: number, durationUs: number, kind: number];

/** monitorEventLoopDelay's histogram, in ms. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** The sampling interval (ms): a stall shorter than this can go unseen. */
  resolutionMs: number;
}

export interface ConsumerDone {
  type: 'done';
  /** Time consumption started (µs, monotonic). */
  startedUs: number;
  /** Time the first / last unique message reached the handler. */
  firstUs: number;
  lastUs: number;
  /** Time the system confirmed every ack (settle: true), else = lastUs. */
  settledUs: number;
  unique: number;
  duplicates: number;
  /** Peak RSS sampled while running and the kernel's maxrss (bytes). */
  peakRssBytes: number;
  maxRssBytes: number;
  rssAtMarkBytes: number;
  peakHeapTotalBytes: number;
  peakHeapUsedBytes: number;
  peakExternalBytes: number;
  /** Latency run: per measured message [send time µs, latency µs]; event-loop delay; GC pauses. */
  latency: { samples: [number, number][]; loopDelay: LoopDelay; gc: GcPause[] } | null;
}

export interface ProducerDone {
  type: 'produced';
  startUs: number;
  endUs: number;
  sent: number;
  gc: GcPause[] | null;
}

export interface PingDone {
  type: 'pinged';
  /** Round-trip times, µs. */
  samples: number[];
}

export type ChildMsg =
  | { type: 'ready'; rssBytes: number }
  | { type: 'marked' }
  | { type: 'warm' }
  | { type: 'started'; startedUs: number }
  | ConsumerDone
  | ProducerDone
  | PingDone
  | { type: 'error'; message: string }
  | { type: 'closed' };
