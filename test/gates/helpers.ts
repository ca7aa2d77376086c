/**
 * Helpers of the admission-gate tests: consumer child processes (test/fixtures/gate-consumer.ts),
 * their ledgers of handler runs, and the checks run on them (starts per window, runs at once per key).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { Admin } from '../../src/index.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, type RedisServerOptions } from '../support/redis-server.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/gate-consumer.ts', import.meta.url));

/** One consumer child process. */
export interface Child {
  name: string;
  ledger: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<NodeJS.Signals | number | null>;
  /** When it was SIGKILLed (local ms), if it was. */
  killedAt?: number;
}

const ledgerDirs: string[] = [];

/** A directory for this test's ledgers (removed by {@link removeLedgers}). */
export const ledgerDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'streamq-gates-'));
  ledgerDirs.push(dir);
  return dir;
};

/** Removes every ledger directory made here (call in `after`; set KEEP_LEDGERS=1 to keep them for a post-mortem). */
export function removeLedgers(): void {
  if (process.env.KEEP_LEDGERS === '1') return;
  for (const dir of ledgerDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Starts a consumer child (its consumer is named `name` unless `env.NAME` says otherwise); `env` configures it (see the fixture's header). */
export function spawnConsumer(dir: string, name: string, env: Record<string, string>): Child {
  const ledger = join(dir, `${name}.ledger`);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, NAME: name, ...env, LEDGER: ledger },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return { name, ledger, child, output: () => out, exited };
}

/** Resolves once the child printed "started" (throws if it exited first). */
export const started = (c: Child, deadlineMs = 30_000): Promise<true> => waitFor(() => {
  if (c.child.exitCode !== null) throw new Error(`${c.name} exited: ${c.output()}`);
  return c.output().includes('started') || undefined;
}, { deadlineMs, description: `${c.name} to start` });

/** SIGKILLs a child and waits for it to die; records when. */
export async function kill(c: Child): Promise<void> {
  c.child.kill('SIGKILL');
  c.killedAt = Date.now();
  await c.exited;
}

/** SIGTERMs a child (graceful close) and waits; resolves with its exit code. */
export async function stop(c: Child): Promise<NodeJS.Signals | number | null> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return c.exited;
  c.child.kill('SIGTERM');
  return c.exited;
}

/** One handler run from a ledger. */
export interface Run {
  /** Which process (the child's name; a restarted one has its own). */
  process: string;
  stream: string;
  id: string;
  tenant: string;
  /** Handler start, local ms. */
  start: number;
  /** The rate grant, ms on Redis's clock (undefined without a rate limit). */
  grant: number | undefined;
  /** Handler end, local ms; undefined when its process died first. */
  end: number | undefined;
}

/** The runs of one ledger (a start line, then its end line unless the process died). */
export function readLedger(process: string, path: string): Run[] {
  if (!existsSync(path)) return [];
  const runs: Run[] = [];
  const open = new Map<string, Run[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [kind, stream, id, tenant, at, grant] = line.split(' ');
    if (stream === undefined || id === undefined || tenant === undefined) continue;
    const key = `${stream} ${id}`;
    if (kind === 'start') {
      const run: Run = { process, stream, id, tenant, start: Number(at), grant: grant === '-' ? undefined : Number(grant), end: undefined };
      runs.push(run);
      open.set(key, [...(open.get(key) ?? []), run]);
    } else if (kind === 'end') {
      const waiting = open.get(key) ?? [];
      const run = waiting.shift();
      if (run) run.end = Number(at);
    }
  }
  return runs;
}

/** Every run of the given children. */
export const readRuns = (children: readonly Child[]): Run[] => children.flatMap((c) => readLedger(c.name, c.ledger));

/** The most times falling in any half-open window [t, t + windowMs), and where it starts. */
export function busiestWindow(times: readonly number[], windowMs: number): { count: number; at: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let best = { count: 0, at: sorted[0] ?? 0 };
  let end = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (end < sorted.length && (sorted[end] as number) < (sorted[i] as number) + windowMs) end++;
    if (end - i > best.count) best = { count: end - i, at: sorted[i] as number };
  }
  return best;
}

/**
 * Starts per second over the whole windows of a run: the times falling in the first
 * `floor(span / perMs)` windows from the first one, divided by those windows' length. A limiter
 * kept saturated by a backlog gives exactly max/perMs; any time lost between windows shows as less.
 */
export function steadyRate(times: readonly number[], perMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  const first = sorted[0] as number;
  const windows = Math.floor(((sorted[sorted.length - 1] as number) - first) / perMs);
  if (windows < 1) throw new Error(`the run spans less than one window of ${perMs} ms`);
  return (sorted.filter((t) => t < first + windows * perMs).length / (windows * perMs)) * 1000;
}

/**
 * The most runs of one key that were running at once. A run lasts from its start to its end; a run
 * whose process was SIGKILLed before it ended lasted until the kill (a dead process runs nothing).
 */
export function mostAtOnce(runs: readonly Run[], killedAt: (process: string) => number | undefined): { count: number; tenant: string; at: number } {
  const byTenant = new Map<string, { at: number; delta: number }[]>();
  for (const run of runs) {
    const end = run.end ?? killedAt(run.process);
    if (end === undefined) throw new Error(`run ${run.id} of ${run.process} never ended, and its process was not killed`);
    const events = byTenant.get(run.tenant) ?? [];
    events.push({ at: run.start, delta: 1 }, { at: end, delta: -1 });
    byTenant.set(run.tenant, events);
  }
  let best = { count: 0, tenant: '', at: 0 };
  for (const [tenant, events] of byTenant) {
    // Ends before starts at the same millisecond: a slot handed over within one ms is no overlap.
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    for (const event of events) {
      running += event.delta;
      if (running > best.count) best = { count: running, tenant, at: event.at };
    }
  }
  return best;
}

/** What a gate test file runs against: its own redis-server, an Admin on it, the consumer processes it spawned, and what else it must close. */
export interface GateFixture {
  server: RedisServer;
  admin: Admin;
  children: Child[];
  closers: (() => Promise<unknown>)[];
}

/**
 * Starts a redis-server (with `options`) and an Admin before the file's tests, and after them
 * SIGKILLs any consumer process still running, closes what was registered, stops the server and
 * removes the ledgers.
 */
export function useGateFixture(options: RedisServerOptions = {}): GateFixture {
  const fixture = { children: [], closers: [] } as unknown as GateFixture;
  before(async () => {
    fixture.server = await RedisServer.start(options);
    fixture.admin = new Admin({ redis: fixture.server.url });
  });
  after(async () => {
    for (const c of fixture.children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    for (const close of fixture.closers.reverse()) await close().catch(() => undefined);
    await fixture.admin?.close();
    await fixture.server?.stop();
    removeLedgers();
  });
  return fixture;
}
