// The rows of the benchmark: a system (adapter) with its settings for that row, the scenarios it
// takes part in, and what it needs to run. A feature-cost row ("streamq + rate limit") is one
// entry of FEATURE_ROWS: the streamq consumer options that turn the feature on, and the option
// key the library must know for the row to run (so it is skipped, not failed, on a build without).
import { CONSUMER_OPTION_KEYS } from '../src/consumer/options.js';
import type { Scenario } from './config.js';
import type { SystemName } from './common.js';

export type RowGroup = 'main' | 'durability' | 'feature' | 'sweep';

export interface Row {
  /** Unique, used by --only, --prof and in the JSON. */
  id: string;
  label: string;
  system: SystemName;
  group: RowGroup;
  scenarios: readonly Scenario[];
  /** Passed to the adapter as ctx.extra (merged over --concurrency); crosses IPC, so plain data only. */
  extra?: Record<string, unknown>;
  /** CONFIG SET on the private Redis for this row's measurements (restored afterwards). */
  redisConfig?: Record<string, string>;
  /** The headline row (targets and charts compare it with the peers). */
  headline?: boolean;
  /** What a confirmed send survives, as configured here. */
  durability: string;
  /** For feature rows: the consumer option that must exist in this build. */
  requiresOption?: string;
  /** Shown beside the row. */
  note?: string;
}

const REDIS_NO_PERSISTENCE = "Redis without persistence (--save '' --appendonly no): a restart loses everything";
const ALL: readonly Scenario[] = ['e2e', 'produce', 'drain', 'latency'];
const DACK = { consumer: { deleteOnAck: true } };

export const MAIN_ROWS: readonly Row[] = [
  { id: 'streamq-dack', label: 'streamq (deleteOnAck)', system: 'streamq', group: 'main', scenarios: ['e2e', 'drain', 'latency'], extra: DACK, headline: true, durability: REDIS_NO_PERSISTENCE, note: 'acked entries deleted, like the peers delete completed jobs' },
  { id: 'streamq', label: 'streamq', system: 'streamq', group: 'main', scenarios: ALL, durability: REDIS_NO_PERSISTENCE, note: 'acked entries stay in the stream until trimmed' },
  { id: 'bullmq', label: 'BullMQ', system: 'bullmq', group: 'main', scenarios: ALL, durability: REDIS_NO_PERSISTENCE },
  { id: 'beequeue', label: 'bee-queue', system: 'beequeue', group: 'main', scenarios: ALL, durability: REDIS_NO_PERSISTENCE },
  { id: 'naive', label: 'naive streams', system: 'naive', group: 'main', scenarios: ALL, durability: REDIS_NO_PERSISTENCE },
  { id: 'nats', label: 'NATS JetStream', system: 'nats', group: 'main', scenarios: ALL, durability: 'file store, work-queue retention, 1 replica; PubAck once stored, fsync on the server\'s schedule' },
  { id: 'rabbitmq-quorum', label: 'RabbitMQ quorum', system: 'rabbitmq', group: 'main', scenarios: ALL, extra: { queueType: 'quorum' }, durability: 'durable quorum queue (1 node), persistent messages, confirm once in the fsynced Raft log' },
  { id: 'rabbitmq-classic', label: 'RabbitMQ classic', system: 'rabbitmq', group: 'main', scenarios: ALL, extra: { queueType: 'classic' }, durability: 'durable classic queue, persistent messages, confirm once written to the message store' },
];

export const DURABILITY_ROWS: readonly Row[] = [
  { id: 'streamq-dack-aof-everysec', label: 'streamq (deleteOnAck), AOF everysec', system: 'streamq', group: 'durability', scenarios: ['e2e'], extra: DACK, redisConfig: { appendonly: 'yes', appendfsync: 'everysec' }, durability: 'Redis AOF, appendfsync everysec: a crash loses at most ~1 s of writes' },
  { id: 'streamq-dack-aof-always', label: 'streamq (deleteOnAck), AOF always', system: 'streamq', group: 'durability', scenarios: ['e2e'], extra: DACK, redisConfig: { appendonly: 'yes', appendfsync: 'always' }, durability: 'Redis AOF, appendfsync always: every write fsynced before the reply' },
];

/** Feature costs (issue 11): e2e msg/s with one feature on, in the same run as the headline row. */
interface Feature {
  id: string;
  label: string;
  requiresOption: string;
  consumer: Record<string, unknown>;
  producer?: Record<string, unknown>;
  note: string;
}

const FEATURES: readonly Feature[] = [
  { id: 'pause', label: 'pause gate polled every 10 ms', requiresOption: 'pausePollMs', consumer: { pausePollMs: 10 }, note: 'the pause gate is in every streamq row (default poll 250 ms); this row polls 25× as often' },
  { id: 'ratelimit', label: 'rateLimit (not binding)', requiresOption: 'rateLimit', consumer: { rateLimit: { max: 10_000_000, perMs: 1000 } }, note: 'a group budget in Redis that never runs out: the cost of asking' },
  { id: 'perkey', label: 'perKeyConcurrency 10', requiresOption: 'perKeyConcurrency', consumer: { groupBy: 'user', perKeyConcurrency: 10 }, note: '100,000 keys (the payload\'s user), at most 10 handlers each' },
  { id: 'priorities', label: 'priorities (3 levels, default used)', requiresOption: 'priorities', consumer: { priorities: ['high', 'default', 'low'] }, producer: { priorities: ['high', 'default', 'low'] }, note: 'consumers read three level streams; all messages at the default level' },
];

export const FEATURE_ROWS: readonly Row[] = FEATURES.map((f) => ({
  id: `streamq-dack+${f.id}`,
  label: `streamq (deleteOnAck) + ${f.label}`,
  system: 'streamq',
  group: 'feature',
  scenarios: ['e2e'],
  extra: { consumer: { deleteOnAck: true, ...f.consumer }, ...(f.producer ? { producer: f.producer } : {}) },
  durability: REDIS_NO_PERSISTENCE,
  requiresOption: f.requiresOption,
  note: f.note,
}));

/** sendMany sweep rows: chunk size (producer batchSize) × chunks in flight (sendMany inFlight). */
export function sweepRows(chunks: readonly number[], depths: readonly number[]): Row[] {
  return chunks.flatMap((chunk) =>
    depths.map((depth) => ({
      id: `sendmany-${chunk}x${depth}`,
      label: `sendMany chunk ${chunk}, ${depth} in flight`,
      system: 'streamq' as const,
      group: 'sweep' as const,
      scenarios: ['sweep'] as const,
      extra: { producer: { batchSize: chunk }, sendMany: { inFlight: depth }, chunk, depth },
      durability: REDIS_NO_PERSISTENCE,
    })),
  );
}

/** Why a row cannot run in this build (a feature option the library does not have), or null. */
export function unsupported(row: Row): string | null {
  if (row.requiresOption && !Object.hasOwn(CONSUMER_OPTION_KEYS, row.requiresOption)) {
    return `skipped: this build's Consumer has no \`${row.requiresOption}\` option`;
  }
  return null;
}

/** The rows --only selects (ids or system names; empty = all). */
export function selectRows(rows: readonly Row[], only: readonly string[]): Row[] {
  if (only.length === 0) return [...rows];
  return rows.filter((r) => only.includes(r.id) || only.includes(r.system));
}
