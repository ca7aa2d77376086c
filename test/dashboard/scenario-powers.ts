/**
 * The powers part of the browser scene: a `jobs` stream with priority levels (high, default, low),
 * a group under a rate limit (group and per tenant) that dead-letters a poison message of the high
 * level, and a group with per-key concurrency whose handlers stay running; and on the hostile
 * stream a level and tenant keys named with markup and bidi controls.
 */
import { Admin, Consumer, Producer, UnrecoverableError, type Message } from '../../src/index.js';

/** Priority levels of the jobs stream. */
export const JOB_LEVELS = ['high', 'default', 'low'];

/** A running powers scene: `stop()` lets the held handlers finish and closes everything. */
export interface PowersScene {
  /** The hostile level name and tenant key. */
  hostileLevel: string;
  hostileKey: string;
  stop(): Promise<void>;
}

const tenant = (msg: Message<unknown>): string | undefined => msg.headers.tenant;

/** Starts the powers scene on `url` for the streams `jobs` and `hostile`; `xss` and `bidi` are the hostile texts. */
export async function startPowers(url: string, jobs: string, hostile: string, xss: string, bidi: string): Promise<PowersScene> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const closers: (() => Promise<unknown>)[] = [];

  const producer = new Producer<{ job: number; poison?: boolean }>({ stream: jobs, redis: url, priorities: JOB_LEVELS });
  closers.push(() => producer.close());
  await producer.send({ job: 0, poison: true }, { priority: 'high', headers: { tenant: 'acme' } });
  let job = 0;
  const send = async (n: number, priority: string, tenants: string[]): Promise<void> => {
    for (let i = 0; i < n; i++) await producer.send({ job: ++job }, { priority, headers: { tenant: tenants[i % tenants.length] as string } });
  };
  await send(12, 'high', ['acme', 'globex']);
  await send(30, 'default', ['acme', 'acme', 'globex', 'initech']);
  await send(18, 'low', ['initech', 'umbrella']);
  await producer.send({ job: ++job }, { priority: 'low', delayMs: 3_600_000, headers: { tenant: 'acme' } });

  const workers = new Consumer<{ job: number; poison?: boolean }>({
    stream: jobs, group: 'workers', name: 'worker-1', redis: url, priorities: JOB_LEVELS, concurrency: 8,
    rateLimit: [{ max: 20, perMs: 60_000 }, { max: 6, perMs: 60_000, key: tenant }],
    handler: async (msg) => { if (msg.data.poison) throw new UnrecoverableError(`job ${msg.data.job} cannot run`); },
  });
  const exports = new Consumer<{ job: number }>({
    stream: jobs, group: 'exports', name: 'exporter-1', redis: url, priorities: JOB_LEVELS, concurrency: 4,
    groupBy: tenant, perKeyConcurrency: 1, handler: () => held,
  });
  // The hostile stream: a level and tenant keys named with markup and bidi controls.
  const hostileLevel = `${xss}${bidi}`;
  const hostileKey = `<script>alert(5)</script>${xss}${bidi}`;
  const hostileLevels = ['high', 'default', hostileLevel];
  const hostileConsumer = new Consumer<number>({
    stream: hostile, group: `lim-${xss}`, name: `c-${bidi}`, redis: url, priorities: hostileLevels, startAt: '$',
    groupBy: tenant, perKeyConcurrency: 1, rateLimit: { max: 100, perMs: 60_000, key: tenant }, handler: () => held,
  });
  // A group with no limit of any kind.
  const admin = new Admin({ redis: url });
  await admin.createGroup(jobs, 'reporting', { startAt: '$' }).finally(() => admin.close());
  for (const consumer of [workers, exports, hostileConsumer]) {
    await consumer.start();
    closers.push(() => consumer.close({ timeoutMs: 3000 }));
  }
  const hostileProducer = new Producer<number>({ stream: hostile, redis: url, priorities: hostileLevels });
  await hostileProducer.sendMany([1, 2], { priority: hostileLevel, headers: { tenant: hostileKey } });
  await hostileProducer.close();
  return {
    hostileLevel,
    hostileKey,
    stop: async () => {
      release();
      for (const close of closers.reverse()) await close();
    },
  };
}
