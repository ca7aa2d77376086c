// CPU time of processes from /proc/<pid>/stat (utime + stime, in clock ticks of `getconf CLK_TCK`),
// and the whole machine's from /proc/stat. Every system is charged the same way: its Node
// processes (producer, consumer) and its server (redis-server, nats-server, RabbitMQ's beam.smp).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticks: number | undefined;
/** Clock ticks per second (`getconf CLK_TCK`; 100 on Linux). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of one process, seconds; NaN when it is gone or unreadable. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks(); // fields 14 and 15 of the whole line
  } catch {
    return NaN;
  }
}

/** CPU seconds of several processes, by name. */
export type CpuSnapshot = Record<string, number>;

export function snapshot(pids: Record<string, number>): CpuSnapshot {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
}

export function delta(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  return Object.fromEntries(Object.keys(a).map((k) => [k, (b[k] ?? NaN) - (a[k] ?? NaN)]));
}

/**
 * The pid of the longest-running process whose /proc/<pid>/comm is `comm` (and whose cmdline, NUL
 * separated, contains `cmdline`), or undefined. The oldest, so a short-lived tool of the same
 * runtime (rabbitmqctl is a beam.smp too) is not taken for the broker.
 */
export function findProcess(comm: string, cmdline?: string): number | undefined {
  let best: { pid: number; start: number } | undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== comm) continue;
      if (cmdline && !readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(cmdline)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22: start time
      if (!best || start < best.start) best = { pid: Number(name), start };
    } catch {
      /* exited meanwhile */
    }
  }
  return best?.pid;
}

/** Whole-machine CPU from /proc/stat: busy (user+nice+system+irq+softirq) seconds. */
export function machineCpu(): { busy: number; at: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = f;
    return { busy: (user + nice + system + irq + softirq) / clockTicks(), at: performance.now() };
  } catch {
    return { busy: NaN, at: performance.now() };
  }
}

/** Share (%) of the machine's capacity used by processes other than ours between two readings. */
export function foreignCpuPct(a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>, oursSeconds: number, ncpu: number): number {
  const wall = (b.at - a.at) / 1000;
  if (!(wall > 0)) return NaN;
  return (Math.max(0, b.busy - a.busy - oursSeconds) / (wall * ncpu)) * 100;
}

/**
 * Time the process's main thread spent runnable but waiting for a CPU (/proc/<pid>/schedstat,
 * second field, ns), in seconds: on a shared machine, the part of a latency tail that is the
 * scheduler's, not the program's.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return NaN;
  }
}
