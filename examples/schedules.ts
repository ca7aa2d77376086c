/**
 * The README's "Schedules" example, type-checked by `npm run typecheck` so it keeps compiling.
 * Run: `node --import tsx examples/schedules.ts` (needs Redis at REDIS_URL or 127.0.0.1:6379).
 */
import { Admin, Consumer, Scheduler, type Message, type TickEvent } from '../src/index.js';

interface Report { report: string }

export async function main(): Promise<void> {
  const stream = `reports-example-${process.pid}`;
  // One scheduler per service instance; every instance upserts the same schedules at start-up.
  const scheduler = new Scheduler({ stream });
  scheduler.on('error', (err: Error) => console.error(err));
  scheduler.on('tick', (tick: TickEvent) => console.log('sent', tick.schedule, tick.scheduledAt.toISOString(), tick.id));
  await scheduler.upsert('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, { report: 'daily' }, { missed: 'once' });
  await scheduler.upsert('heartbeat', { everyMs: 1_000 }, { report: 'heartbeat' }, { headers: { source: 'example' }, missed: 'skip' });
  await scheduler.start();

  const consumer = new Consumer<Report>({
    stream,
    group: 'reporters',
    handler: (msg: Message<Report>) => {
      const tick = msg.headers.scheduledAt;           // the tick this message stands for (ISO 8601)
      const catchUp = msg.headers.missedFrom;         // set on catch-ups for missed ticks
      console.log('handled', msg.headers.schedule, tick, catchUp ?? '', msg.data.report);
    },
  });
  consumer.on('error', (err: Error) => console.error(err));
  await consumer.start();

  await new Promise((resolve) => setTimeout(resolve, 3_500));
  console.log(await scheduler.list());                // spec, nextRunAt, lastTickAt, missed, data…
  await scheduler.remove('heartbeat');
  await scheduler.close();
  await consumer.close();

  const admin = new Admin();
  console.log(await admin.schedules(stream));         // what `streamq schedules list <stream>` shows
  await admin.removeSchedule(stream, 'nightly');
  await admin.deleteStream(stream);
  await admin.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
