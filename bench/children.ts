// The measured child processes, seen from the orchestrator: fork, IPC with deadlines, close or kill.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ChildInit, ChildMsg, ParentMsg } from './common.js';
import { sleep, withDeadline } from './measure.js';

interface Launch {
  /** The child's entry (transpiled child.js, or child.ts under tsx) and node flags. */
  path: string;
  execArgv: string[];
  cwd: string;
  /** Rows whose children run with --cpu-prof, and where the profiles go. */
  prof: Set<string>;
  profDir: string;
}

let launch: Launch | undefined;
/** Names the measurement in progress (used for --cpu-prof file names). */
let label = 'setup';
const live = new Set<ChildProcess>();

export function configureChildren(l: Launch): void {
  launch = l;
}

export function setMeasurementLabel(l: string): void {
  label = l.replace(/[^\w.-]+/g, '_');
}

/** Kills every child still running (exit, Ctrl-C). */
export function killAllChildren(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Tracks a process the orchestrator started itself (redis-benchmark), so an abort kills it. */
export function track(p: ChildProcess): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
}

export class Child {
  private readonly inbox: ChildMsg[] = [];
  private waiter: { types: string[]; resolve: (m: ChildMsg) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(
    readonly proc: ChildProcess,
    readonly name: string,
  ) {
    proc.on('message', (raw) => {
      const m = raw as ChildMsg;
      if (m.type === 'error') return this.fail(new Error(`${name}: ${m.message}`));
      if (this.waiter && this.waiter.types.includes(m.type)) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(m);
      } else this.inbox.push(m);
    });
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      this.fail(new Error(`${name}: exited (code ${code}, signal ${signal})`));
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  static async spawn(init: ChildInit, name: string, rowId: string, deadlineMs = 30_000): Promise<Child> {
    if (!launch) throw new Error('configureChildren() first');
    const execArgv = [...launch.execArgv];
    if (launch.prof.has(rowId) || launch.prof.has(init.system)) {
      execArgv.push('--cpu-prof', '--cpu-prof-dir', launch.profDir, '--cpu-prof-name', `${label}-${name}-${Date.now()}.cpuprofile`);
    }
    const proc = fork(launch.path, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: launch.cwd });
    live.add(proc);
    const c = new Child(proc, name);
    try {
      c.send({ type: 'init', init });
      await c.wait(['ready'], deadlineMs, 'ready');
    } catch (err) {
      c.kill();
      throw err;
    }
    return c;
  }

  send(m: ParentMsg): void {
    if (this.proc.connected) this.proc.send(m);
  }

  wait<T extends ChildMsg>(types: string[], ms: number, what: string): Promise<T> {
    const i = this.inbox.findIndex((m) => types.includes(m.type));
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    if (this.failure) return Promise.reject(this.failure);
    const p = new Promise<ChildMsg>((resolve, reject) => (this.waiter = { types, resolve, reject }));
    return withDeadline(p, ms, `${this.name} ${what}`).catch((err: unknown) => {
      this.waiter = undefined;
      throw err;
    }) as Promise<T>;
  }

  /** Asks the child to close cleanly; kills it if it does not within the deadline. */
  async close(ms = 20_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.send({ type: 'close' });
    await Promise.race([exited, sleep(ms)]);
    this.kill();
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

export type SpawnChild = (init: ChildInit, name: string) => Promise<Child>;

/** Runs `body` with the children it spawns closed afterwards whatever happens. */
export async function withChildren<T>(rowId: string, body: (spawn: SpawnChild) => Promise<T>): Promise<T> {
  const kids: Child[] = [];
  try {
    return await body(async (init, name) => {
      const c = await Child.spawn(init, name, rowId);
      kids.push(c);
      return c;
    });
  } finally {
    await Promise.all(kids.map((k) => k.close()));
  }
}

export const profDirOf = (root: string) => join(root, 'bench/results/prof');
