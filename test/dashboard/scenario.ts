/**
 * A small production-like scene for the browser tests and the screenshots: an `orders` stream
 * with two groups and live consumers (one slow, one failing some messages into dead letters),
 * delayed messages, a schedule, a paused group, and a stream whose names, payloads, headers and
 * dead-letter reasons are hostile; and a `jobs` stream with priority levels, rate limits and
 * per-key concurrency (scenario-powers.ts).
 */
import { Admin, Consumer, Producer, Scheduler, UnrecoverableError } from '../../src/index.js';
import { rawClient } from '../integration/helpers.js';
import { startPowers, type PowersScene } from './scenario-powers.js';

/** 100 KB of text with markup and bidi controls. */
export const HUGE = `${'<script>alert(1)</script>\u202e'.repeat(10)}${'x'.repeat(100_000)}`;
export const XSS = '<img src=x onerror=alert(1)>';
export const BIDI = 'evil\u202egpj.exe';

/** The names a scene uses (all prefixed, so tests share one Redis). */
export interface SceneNames {
  orders: string;
  hostile: string;
  quiet: string;
  jobs: string;
}

/** A running scene: stop it to close consumers, producers and the scheduler. */
export interface Scene {
  names: SceneNames;
  /** Sends `n` orders now. */
  send(n: number): Promise<void>;
  /** The priority, rate-limit and per-key part. */
  powers: PowersScene;
  stop(): Promise<void>;
}

export const sceneNames = (prefix: string): SceneNames => ({
  orders: `${prefix}-orders`,
  hostile: `${prefix}-${XSS}-${BIDI}`,
  quiet: `${prefix}-quiet`,
  jobs: `${prefix}-jobs`,
});

/** Starts the scene on `url`: consumers run until `stop()`. */
export async function startScene(url: string, prefix: string): Promise<Scene> {
  const names = sceneNames(prefix);
  const admin = new Admin({ redis: url });
  const producer = new Producer<{ order: number; note?: string }>({ stream: names.orders, redis: url });
  const consumers: Consumer<{ order: number }>[] = [];
  let order = 0;
  const send = async (n: number): Promise<void> => {
    await producer.sendMany(Array.from({ length: n }, () => ({ order: ++order, note: order % 7 === 0 ? 'poison' : 'ok' })), { headers: { source: 'web', trace: `t-${order}` } });
  };
  await admin.createGroup(names.orders, 'billing', { startAt: '0' });
  await admin.createGroup(names.orders, 'shipping', { startAt: '0' });
  await admin.createGroup(names.orders, 'audit', { startAt: '$' });
  await send(40);
  consumers.push(new Consumer<{ order: number; note?: string }>({
    stream: names.orders, group: 'billing', redis: url, name: 'billing-1', concurrency: 4,
    handler: async (msg) => {
      if (msg.data.note === 'poison') throw new UnrecoverableError(`card declined for order ${msg.data.order}`);
    },
  }) as Consumer<{ order: number }>);
  consumers.push(new Consumer<{ order: number }>({
    stream: names.orders, group: 'shipping', redis: url, name: 'shipping-slow', concurrency: 1,
    handler: async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
    },
  }));
  for (const consumer of consumers) await consumer.start();
  await admin.pause(names.orders, 'audit');
  const delayed = new Producer<{ reminder: string }>({ stream: names.orders, redis: url });
  await delayed.send({ reminder: 'in an hour' }, { delayMs: 3_600_000, headers: { kind: 'reminder' } });
  await delayed.send({ reminder: 'tomorrow' }, { delayMs: 86_400_000 });
  await delayed.close();
  const scheduler = new Scheduler({ stream: names.orders, redis: url });
  await scheduler.upsert('nightly-report', { cron: '0 3 * * *', tz: 'UTC' }, { report: 'nightly' });
  await scheduler.close();

  // The hostile stream: markup and bidi controls in names, payloads, headers and reasons; a 100 KB value; invalid UTF-8.
  const raw = await rawClient(url);
  await raw.sendCommand(['XGROUP', 'CREATE', names.hostile, `g-${XSS}`, '0', 'MKSTREAM']);
  await raw.sendCommand(['XADD', names.hostile, '*', 'd', JSON.stringify({ html: XSS, bidi: BIDI, huge: HUGE }), 'h', JSON.stringify({ [XSS]: BIDI, trace: '<script>alert(2)</script>' })]);
  await raw.sendCommand(['XADD', names.hostile, '*', `<b onmouseover=alert(3)>`, XSS, 'bad-utf8', Buffer.from([0xff, 0xfe, 0x3c, 0x62, 0x3e, 0xc3])]);
  await raw.sendCommand(['XADD', names.hostile, '*', 'd', JSON.stringify(HUGE)]);
  await raw.sendCommand(['XREADGROUP', 'GROUP', `g-${XSS}`, `c-${BIDI}`, 'COUNT', '3', 'STREAMS', names.hostile, '>']);
  const [first] = await admin.pending(names.hostile, `g-${XSS}`, { count: 1 });
  if (first) await admin.deadLetterEntry(names.hostile, `g-${XSS}`, first.id, { reason: `${XSS} ${BIDI} <script>alert(4)</script> ${HUGE}` });
  await raw.close();
  await admin.createGroup(names.quiet, 'idle');
  // After the hostile stream: its pending entries stay the oldest (the overview's worst first).
  const powers = await startPowers(url, names.jobs, names.hostile, XSS, BIDI);

  return {
    names,
    send,
    powers,
    stop: async () => {
      await powers.stop();
      for (const consumer of consumers) await consumer.close({ timeoutMs: 3000 });
      await producer.close();
      await admin.close();
    },
  };
}
