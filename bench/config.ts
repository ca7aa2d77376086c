// Command-line options of `npm run bench`, their defaults, and --quick.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const SCENARIOS = ['ceiling', 'produce', 'e2e', 'drain', 'latency', 'sweep', 'memory', 'backlog'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** Run unless --scenarios names others. */
export const DEFAULT_SCENARIOS: readonly Scenario[] = SCENARIOS;

export interface Config {
  n: number;
  reps: number;
  /** Row ids or system names to run (empty: all). */
  only: string[];
  scenarios: Scenario[];
  modes: ('one' | 'bulk')[];
  batch: number;
  warmup: number;
  latency: { n: number; warmup: number; gapMs: number; rate: number };
  backlog: number;
  memory: { seconds: number; rate: number };
  sweep: { n: number; call: number; chunks: number[]; depths: number[] };
  timeoutS: number | undefined;
  prof: Set<string>;
  tsx: boolean;
  concurrency: Record<string, number>;
  json: string;
  report: string | undefined;
  updateReadme: boolean;
  quick: boolean;
  /** Print the measurements and the time the model expects, without measuring. */
  plan: boolean;
  endpoints: { nats: string; amqp: string };
  serverPids: { nats?: number; rabbitmq?: number };
}

export const HELP = `usage: npm run bench -- [options]
  --quick              development run: N 5,000, 1 rep, latency 1,000, backlog 100,000, small sweep
  --n N                messages per produce / e2e / drain measurement (default 50000)
  --reps R             repetitions, interleaved across rows (default 3)
  --only a,b           rows (ids) or systems: streamq, bullmq, beequeue, naive, nats, rabbitmq (default all)
  --scenarios a,b      ceiling, produce, e2e, drain, latency, sweep, memory, backlog (default all)
  --modes one,bulk     producer modes of the produce and e2e scenarios (default bulk)
  --batch B            messages per bulk call: sendMany / addBulk / saveAll / publish batch (default 1000)
  --warmup W           warm-up messages before each measurement (default 1000; bulk: at least 5 batches)
  --latency-n L        measured messages of the paced latency run (default 4000, after 1000 warm-up + 1 s pause)
  --latency-rate R     pace of the latency run, msg/s (default 1000)
  --backlog B          entries of the streamq backlog scenario (default 1000000)
  --mem-seconds S      duration of each memory-over-time run (default 10)
  --mem-rate R         steady load of the memory runs, msg/s (default 5000)
  --sweep-n N          messages per sendMany sweep point and repetition (default 100000)
  --sweep-call C       messages per sendMany call in the sweep (default 10000)
  --sweep-chunks a,b   chunk sizes (producer batchSize) of the sweep (default 100,250,500,1000)
  --sweep-depths a,b   chunks in flight (sendMany inFlight) of the sweep (default 1,2,4,8)
  --timeout S          per-measurement deadline in seconds (default: 30 s + N / 2,000 msg/s)
  --concurrency s=c    override a consumer's concurrency, e.g. streamq=64,bullmq=50
  --prof a,b           run these rows' children with --cpu-prof (profiles in bench/results/prof/)
  --tsx                run the measured children under tsx instead of transpiled JavaScript
  --nats URL           NATS server (default 127.0.0.1:4222); --nats-pid to name its process
  --amqp URL           RabbitMQ (default amqp://guest:guest@127.0.0.1:5672); --rabbitmq-pid likewise
  --json PATH          where the JSON goes (default bench/results/latest.json)
  --report PATH        print the tables of an earlier run's JSON again (and charts, --update-readme)
  --update-readme      rewrite README.md's Performance block (between the bench markers) from this run
  --plan               list the measurements and the expected duration, without measuring`;

const num = (v: string | undefined, d: number): number => {
  if (v === undefined) return d;
  const x = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(x) || x < 0) throw new Error(`bad number: ${v}`);
  return x;
};
const nums = (v: string | undefined, d: number[]) => (v === undefined ? d : v.split(',').map((x) => Math.max(1, Math.floor(num(x, 1)))));
const list = <T extends string>(v: string | undefined, all: readonly T[], what: string, d: readonly T[] = all): T[] => {
  if (!v) return [...d];
  const got = v.split(',').map((s) => s.trim()).filter(Boolean) as T[];
  for (const g of got) if (!all.includes(g)) throw new Error(`unknown ${what}: ${g} (known: ${all.join(', ')})`);
  return all.filter((a) => got.includes(a));
};

export function parseConfig(argv: string[], root: string): Config | 'help' {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string' }, reps: { type: 'string' }, only: { type: 'string' }, scenarios: { type: 'string' }, modes: { type: 'string' },
      batch: { type: 'string' }, warmup: { type: 'string' }, 'latency-n': { type: 'string' }, 'latency-rate': { type: 'string' },
      backlog: { type: 'string' }, 'mem-seconds': { type: 'string' }, 'mem-rate': { type: 'string' }, 'sweep-n': { type: 'string' },
      'sweep-call': { type: 'string' }, 'sweep-chunks': { type: 'string' }, 'sweep-depths': { type: 'string' }, timeout: { type: 'string' },
      concurrency: { type: 'string' }, prof: { type: 'string' }, tsx: { type: 'boolean' }, nats: { type: 'string' }, amqp: { type: 'string' },
      'nats-pid': { type: 'string' }, 'rabbitmq-pid': { type: 'string' }, json: { type: 'string' }, report: { type: 'string' },
      'update-readme': { type: 'boolean' }, quick: { type: 'boolean' }, plan: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (a.help) return 'help';
  const q = a.quick === true;
  const concurrency = Object.fromEntries(
    (a.concurrency ?? '').split(',').filter(Boolean).map((kv) => {
      const [k, v] = kv.split('=');
      if (!k || !(Number(v) > 0)) throw new Error(`bad --concurrency entry: ${kv}`);
      return [k, Number(v)];
    }),
  );
  return {
    n: Math.floor(num(a.n, q ? 5_000 : 50_000)),
    reps: Math.max(1, Math.floor(num(a.reps, q ? 1 : 3))),
    only: (a.only ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    scenarios: list<Scenario>(a.scenarios, SCENARIOS, 'scenario', DEFAULT_SCENARIOS),
    modes: list<'one' | 'bulk'>(a.modes, ['one', 'bulk'], 'mode', ['bulk']),
    batch: Math.max(1, Math.floor(num(a.batch, 1000))),
    warmup: Math.floor(num(a.warmup, 1000)),
    latency: { n: Math.floor(num(a['latency-n'], q ? 1000 : 4000)), warmup: q ? 300 : 1000, gapMs: 1000, rate: num(a['latency-rate'], 1000) },
    backlog: Math.floor(num(a.backlog, q ? 100_000 : 1_000_000)),
    memory: { seconds: num(a['mem-seconds'], q ? 4 : 10), rate: num(a['mem-rate'], 5000) },
    sweep: {
      n: Math.floor(num(a['sweep-n'], q ? 20_000 : 100_000)),
      call: Math.max(1, Math.floor(num(a['sweep-call'], 10_000))),
      chunks: nums(a['sweep-chunks'], q ? [100, 500] : [100, 250, 500, 1000]),
      depths: nums(a['sweep-depths'], q ? [1, 4] : [1, 2, 4, 8]),
    },
    timeoutS: a.timeout !== undefined ? num(a.timeout, 0) : undefined,
    prof: new Set(a.prof ? a.prof.split(',') : []),
    tsx: a.tsx === true,
    concurrency,
    json: resolve(root, a.json ?? 'bench/results/latest.json'),
    report: a.report,
    updateReadme: a['update-readme'] === true,
    quick: q,
    plan: a.plan === true,
    endpoints: { nats: a.nats ?? '127.0.0.1:4222', amqp: a.amqp ?? 'amqp://guest:guest@127.0.0.1:5672' },
    serverPids: { nats: a['nats-pid'] ? num(a['nats-pid'], 0) : undefined, rabbitmq: a['rabbitmq-pid'] ? num(a['rabbitmq-pid'], 0) : undefined },
  };
}
