/**
 * The consumer processes of a torture run: spawn (`node --import tsx test/torture/worker.ts`),
 * SIGKILL, replace, close gracefully, and the latest figures each one reported over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CounterValues } from '../../src/index.js';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.js';

const CLASSIC_WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Stats = Extract<WorkerMessage, { type: 'stats' }>;

/** One consumer process (an instance; a replacement may reuse a killed instance's consumer name). */
export interface WorkerHandle {
  readonly instance: number;
  readonly name: string;
  /** The consumer group it reads in. */
  readonly group: string;
  /** What this instance was started with beyond the shared parameters (a replacement gets the same). */
  readonly variant: WorkerVariant;
  readonly ledger: string;
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  ready: boolean;
  killedAt: number | undefined;
  exited: Promise<void>;
  hasExited: boolean;
  stats: Stats | undefined;
  /** Handled lines in the ledger of a killed instance (its last IPC report may be stale). */
  finalHandled: number | undefined;
}

/** Shared parameters of every worker (the name and ledger are per instance): a classic worker's, or any worker's with a group. */
export type WorkerBase = Omit<WorkerInit, 'name' | 'ledger'> | (Record<string, unknown> & { group: string });

/** Per-instance parameters on top of the shared ones (e.g. the group and mode of a features worker). */
export type WorkerVariant = Record<string, unknown> & { group?: string };

/** A consumer process that exited without being killed or asked to close: a crash. */
export interface UnexpectedExit {
  instance: number;
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  log: string;
}

/** Starts, kills and closes the consumer processes; replaces one that crashes (and records it). */
export class Fleet {
  readonly unexpectedExits: UnexpectedExit[] = [];
  readonly #dir: string;
  readonly #base: WorkerBase;
  readonly #worker: string;
  readonly #handles: WorkerHandle[] = [];
  #nextName = 1;
  #closing = false;

  /** `worker`: the worker script (default: the classic torture worker, worker.ts). */
  constructor(dir: string, base: WorkerBase, worker = CLASSIC_WORKER) {
    this.#dir = dir;
    this.#base = base;
    this.#worker = worker;
  }

  /** Every instance ever started. */
  get all(): readonly WorkerHandle[] {
    return this.#handles;
  }

  /** Instances not killed and not exited. */
  alive(): WorkerHandle[] {
    return this.#handles.filter((h) => h.killedAt === undefined && !h.hasExited);
  }

  /** Starts a worker; `name` reuses a consumer name (of a killed instance), else a new one. */
  spawn(name = `c${this.#nextName++}`, variant: WorkerVariant = {}): WorkerHandle {
    const instance = this.#handles.length + 1;
    const ledger = join(this.#dir, `ledger-${instance}.txt`);
    const init = { ...this.#base, ...variant, name, ledger };
    const stderr = openSync(join(this.#dir, `worker-${instance}.log`), 'a');
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // the worker is not a test file
    let child: ChildProcess;
    try {
      child = fork(this.#worker, [Buffer.from(JSON.stringify(init)).toString('base64')], {
        cwd: PACKAGE_ROOT, execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', stderr, 'ipc'],
      });
    } finally {
      closeSync(stderr);
    }
    const handle: WorkerHandle = {
      instance, name, group: init.group, variant, ledger, child, spawnedAt: Date.now(), ready: false, killedAt: undefined, hasExited: false, stats: undefined, finalHandled: undefined,
      exited: new Promise<void>((resolve) => child.once('exit', () => { handle.hasExited = true; resolve(); })),
    };
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      if (handle.killedAt !== undefined || this.#closing) return;
      const log = join(this.#dir, `worker-${instance}.log`);
      let tail = '';
      try {
        tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      } catch {
        // no log
      }
      this.unexpectedExits.push({ instance, name, code, signal, at: Date.now(), log: tail });
      this.spawn(name, variant);
    });
    child.on('message', (raw) => {
      const message = raw as WorkerMessage;
      if (message.type === 'ready') handle.ready = true;
      else if (message.type === 'stats') handle.stats = message;
    });
    this.#handles.push(handle);
    return handle;
  }

  /** SIGKILLs an instance and resolves once it has exited; returns the kill time. */
  async kill(handle: WorkerHandle): Promise<number> {
    handle.killedAt = Date.now();
    handle.child.kill('SIGKILL');
    await handle.exited;
    handle.finalHandled = countHandled(handle.ledger);
    return handle.killedAt;
  }

  /** Resolves when every given instance said ready (or exited), or after `timeoutMs`. */
  async waitReady(handles: readonly WorkerHandle[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (handles.every((h) => h.ready || h.hasExited)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /** Asks every live instance to close gracefully; SIGKILLs those that have not exited after `timeoutMs`. */
  async closeAll(timeoutMs: number): Promise<void> {
    this.#closing = true;
    const alive = this.alive();
    for (const handle of alive) {
      if (handle.child.connected) handle.child.send({ type: 'close' } satisfies ParentMessage);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(alive.map((h) => h.exited)),
      new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]);
    clearTimeout(timer);
    await this.killAll();
  }

  /** SIGKILLs whatever still runs (cleanup). */
  async killAll(): Promise<void> {
    this.#closing = true;
    const running = this.#handles.filter((h) => !h.hasExited);
    for (const handle of running) handle.child.kill('SIGKILL');
    await Promise.all(running.map((h) => h.exited));
  }

  /** Starts a replacement for `victim`: same group and variant; its name too when `reuseName`. */
  replace(victim: WorkerHandle, reuseName: boolean): WorkerHandle {
    return this.spawn(reuseName ? victim.name : undefined, victim.variant);
  }

  /** Handler successes reported so far by every instance, or those of one group (duplicates included; a killed one's last report). */
  handledApprox(group?: string): number {
    return this.#handles.reduce((sum, h) => sum + (group === undefined || h.group === group ? h.finalHandled ?? h.stats?.handled ?? 0 : 0), 0);
  }

  /** Sums of the library's consumer counters over every instance (as last reported). */
  counters(): CounterValues {
    const total: CounterValues = { sent: 0, delivered: 0, acked: 0, retried: 0, reclaimed: 0, deadLettered: 0, failed: 0, deletedWhilePending: 0, leasesRenewed: 0, leasesLost: 0, ticksSent: 0, heldByRateLimit: 0, heldByKeyConcurrency: 0 };
    for (const h of this.#handles) {
      const c = h.stats?.counters;
      if (c === undefined) continue;
      for (const key of Object.keys(total) as (keyof CounterValues)[]) total[key] += c[key];
    }
    return total;
  }

  /** Error events by code, over every instance. */
  errors(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const h of this.#handles) {
      for (const [code, count] of Object.entries(h.stats?.errors ?? {})) total[code] = (total[code] ?? 0) + count;
    }
    return total;
  }

  /** Warning events over every instance. */
  warnings(): number {
    return this.#handles.reduce((sum, h) => sum + (h.stats?.warnings ?? 0), 0);
  }
}

/** Lines starting with `H ` in a ledger file (0 when it does not exist). */
function countHandled(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return 0;
  }
  let count = text.startsWith('H ') ? 1 : 0;
  for (let i = text.indexOf('\nH '); i !== -1; i = text.indexOf('\nH ', i + 1)) count++;
  return count;
}
