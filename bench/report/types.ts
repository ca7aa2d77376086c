// The JSON of one run: every raw measurement, the medians, and what the tables and charts read.
import type { Scenario } from '../config.js';
import type { Metrics } from '../scenarios/frame.js';
import type { MemoryResult } from '../scenarios/memory.js';
import type { Row } from '../rows.js';

export type RowMode = 'one' | 'bulk' | '-';

export interface Run {
  rep: number;
  error?: string;
  m: Metrics;
  series?: Record<string, number[]>;
}

export interface RowInfo extends Omit<Row, 'extra' | 'redisConfig'> {
  extra?: Record<string, unknown>;
  redisConfig?: Record<string, string>;
  oneLabel: string;
  bulkLabel: string | null;
  settings: Record<string, unknown>;
  /** Why the row did not run (server not reachable, option missing). */
  skipped?: string;
}

export interface TargetCheck {
  target: string;
  value: string;
  pass: boolean | null;
}

export interface BenchResults {
  meta: Record<string, unknown> & { n: number; reps: number; command?: string; date: string; wallSeconds?: number };
  rows: RowInfo[];
  ceiling: { runs: number[]; median: number | null; command: string | null; note?: string };
  runs: Record<string, Run[]>;
  medians: Record<string, Metrics>;
  memory: MemoryResult[];
  targets: TargetCheck[];
}

export const runKey = (rowId: string, scenario: Scenario, mode: RowMode) => `${rowId}/${scenario}/${mode}`;

/** The PING floor of the latency scenario, kept as a row of its own. */
export const PING_ROW: Row = {
  id: 'redis-ping',
  label: 'Redis PING round trip (floor)',
  system: 'naive',
  group: 'main',
  scenarios: ['latency'],
  durability: '',
  note: 'node-redis PING to the private Redis, paced like the others: no queue, the floor of this machine',
};
