// The progress line: which task (scenario, row, repetition) runs, and how long the whole run has
// left. Estimates start from a rough model of each task; once a task of the same kind (scenario,
// row, mode) has run, its measured duration replaces the model, and the ratio measured/model of
// finished tasks scales the model of the kinds not run yet (smoothed by PRIOR_S of modelled time,
// so a few short tasks do not swing the whole estimate).
export interface Task {
  /** Same kind = same scenario, row and mode (the repetitions of one measurement). */
  kind: string;
  title: string;
  modelS: number;
  run(): Promise<void>;
}

const fmt = (s: number) => {
  const t = Math.max(0, Math.round(s));
  return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
};

/** Seconds of modelled time taken as if they had run exactly as modelled. */
const PRIOR_S = 60;

export async function runTasks(tasks: readonly Task[], log: (s: string) => void): Promise<void> {
  const measured = new Map<string, number>();
  let modelDone = 0;
  let actualDone = 0;
  const started = Date.now();
  for (const [i, task] of tasks.entries()) {
    const scale = (actualDone + PRIOR_S) / (modelDone + PRIOR_S);
    let left = 0;
    for (const t of tasks.slice(i)) left += measured.get(t.kind) ?? t.modelS * scale;
    log(`[bench ${i + 1}/${tasks.length}] ${task.title} · elapsed ${fmt((Date.now() - started) / 1000)}, ~${fmt(left)} left`);
    const t0 = Date.now();
    await task.run();
    const took = (Date.now() - t0) / 1000;
    measured.set(task.kind, took);
    modelDone += task.modelS;
    actualDone += took;
  }
}

/** Model of one task's seconds: fixed overhead (processes, warm-up, cleanup) + messages ÷ a typical rate. */
export function modelSeconds(overheadS: number, messages: number, typicalRate: number): number {
  return overheadS + messages / typicalRate;
}

/** Typical msg/s on the reference 2-vCPU machine (only for the first estimate; measured durations replace it). */
export function typicalRate(system: string, scenario: string, mode: string): number {
  const bulk = mode !== 'one';
  const table: Record<string, [one: number, bulk: number]> = {
    streamq: [12_000, 100_000],
    bullmq: [5_000, 12_000],
    beequeue: [10_000, 17_000],
    naive: [5_000, 5_000],
    nats: [4_000, 20_000],
    rabbitmq: [2_000, 20_000],
  };
  const [one, many] = table[system] ?? [5_000, 10_000];
  if (scenario === 'produce' && system === 'streamq' && bulk) return 200_000;
  return bulk ? many : one;
}
