import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, Producer } from '../index.js';
import { ensureReachable, loadLibrary, type Library } from './context.js';
import { compactJson, formatDuration, renderTable, sanitize } from './format.js';
import { HandledTracker } from './handled-tracker.js';
import { startLocalRedis, type LocalRedis } from './local-redis.js';
import { canConnect } from './net.js';
import { printJson, type Output } from './output.js';
import { DEFAULT_REDIS_URL, hostPort, maskUrl } from './url.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where to write. */
  out: Output;
  /** Print the summary as one JSON document (the narrative then goes to standard error). */
  json: boolean;
  /** An explicit Redis URL (`--url` or `REDIS_URL`): used as is, exit 3 if unreachable. */
  url?: string;
  /** Probed when `url` is absent; if nothing listens there, a private redis-server is started. */
  defaultUrl?: string;
  /** Always start a private redis-server (never probe `defaultUrl`). */
  privateRedis?: boolean;
  /** PATH to look for redis-server in (defaults to the process's). */
  path?: string;
  /** Sizes of the batches sent, one pause apart (default `[4, 3, 5]`). */
  batches?: number[];
  /** Pause between batches in ms (default 400): the scenario sends "at different times". */
  pauseMs?: number;
  /** How long to wait for every message to be handled (default 15 000 ms). */
  deadlineMs?: number;
  /** Aborts the demo (Ctrl-C); clean-up still runs. */
  signal?: AbortSignal;
}

/** What the demo reports at the end. */
export interface DemoSummary {
  /** The demo's own stream (deleted at the end). */
  stream: string;
  /** The consumer group the three consumers share. */
  group: string;
  /** The Redis used, password masked. */
  redis: string;
  /** Whether the demo started its own redis-server. */
  privateRedis: boolean;
  /** Messages sent. */
  sent: number;
  /** Distinct messages handled (and acknowledged). */
  handled: number;
  /** Handled count per consumer. */
  handledBy: Record<string, number>;
  /** Deliveries of an already handled message (0 in a healthy run). */
  redelivered: number;
  /** The group's pending entries after the consumers closed (0: everything was acknowledged). */
  pending: number;
  /** Entries in the stream's dead letters (0 in a healthy run). */
  deadLetters: number;
  /** Whether the demo's keys were deleted. */
  cleanedUp: boolean;
  /** Wall-clock duration of the run. */
  durationMs: number;
}

/** A demo message. */
interface DemoMessage {
  n: number;
  batch: number;
  text: string;
}

const CONSUMERS = ['consumer-1', 'consumer-2', 'consumer-3'] as const;
const GROUP = 'demo-group';

/** Picks the Redis for the demo: the explicit URL, else the default if it answers, else a private server. */
const demoRedis = async (o: DemoOptions, say: (text: string) => void): Promise<{ url: string; local?: LocalRedis }> => {
  if (o.url !== undefined) {
    await ensureReachable(o.url);
    return { url: o.url };
  }
  const fallback = o.defaultUrl ?? DEFAULT_REDIS_URL;
  if (o.privateRedis === true) say('Starting a private redis-server for this demo (--private)…');
  else {
    const { host, port } = hostPort(fallback);
    if (await canConnect(host, port, 1000)) return { url: fallback };
    say(`Nothing listens on ${maskUrl(fallback)}: starting a private redis-server for this demo…`);
  }
  const local = await startLocalRedis(o.path === undefined ? {} : { path: o.path });
  say(`Started redis-server (pid ${local.pid}) on ${local.url}; it is stopped when the demo ends.`);
  return { url: local.url, local };
};

/**
 * Runs the demo: the go-redis example's scenario end to end. Ensures the group (XGROUP CREATE
 * MKSTREAM; BUSYGROUP means it exists), starts three consumers in it, sends a few batches at
 * different times, prints each handled message, waits (on events, with a deadline) until all
 * were handled, closes cleanly, checks nothing is pending, prints a summary and deletes its keys.
 */
export const runDemo = async (o: DemoOptions): Promise<DemoSummary> => {
  const started = Date.now();
  const say = (text: string): void => (o.json ? o.out.error(text) : o.out.line(text));
  const target = await demoRedis(o, say);
  try {
    const summary = await scenario(o, target.url, target.local !== undefined, say, started);
    report(o, summary);
    return summary;
  } finally {
    if (target.local) {
      await target.local.stop();
      say(`Stopped the private redis-server (pid ${target.local.pid}).`);
    }
  }
};

/** The demo's running parts, closed in `finally`. */
interface Parts {
  lib: Library;
  admin: Admin;
  producer: Producer<DemoMessage>;
  consumers: Consumer<DemoMessage>[];
  tracker: HandledTracker;
}

/** Starts the three consumers of the demo group; each prints what it handles. */
const startConsumers = async (p: Parts, url: string, stream: string, say: (text: string) => void, t0: number): Promise<void> => {
  for (const name of CONSUMERS) {
    const consumer = new p.lib.Consumer<DemoMessage>({
      stream,
      group: GROUP,
      name,
      redis: url,
      concurrency: 1,
      prefetch: 0,
      startAt: '0',
      handler: async (msg) => {
        await sleep(20 + Math.floor(Math.random() * 40)); // pretend to work
        const at = ((Date.now() - t0) / 1000).toFixed(2);
        say(`  +${at}s  ${name}  handled ${msg.id}  ${sanitize(compactJson(msg.data))}`);
        p.tracker.record(name, msg.id);
      },
    });
    consumer.on('error', (error: Error) => say(`  ${name}: error: ${error.message}`));
    consumer.on('warning', (warning: unknown) => say(`  ${name}: warning: ${warning instanceof Error ? warning.message : String(warning)}`));
    p.consumers.push(consumer);
  }
  await Promise.all(p.consumers.map((c) => c.start()));
  say(`Started ${CONSUMERS.length} consumers in group "${GROUP}": ${CONSUMERS.join(', ')}.`);
};

/** Sends the batches, one pause apart, alternating `sendMany` and one-by-one `send`. */
const sendBatches = async (p: Parts, o: DemoOptions, say: (text: string) => void, t0: number): Promise<number> => {
  const batches = o.batches ?? [4, 3, 5];
  let sent = 0;
  for (const [index, size] of batches.entries()) {
    if (index > 0) await sleep(o.pauseMs ?? 400, undefined, o.signal ? { signal: o.signal } : undefined);
    const items = Array.from({ length: size }, (_, i) => ({ n: sent + i + 1, batch: index + 1, text: `hello #${sent + i + 1}` }));
    const ids = index % 2 === 0 ? await p.producer.sendMany(items) : await sendOneByOne(p.producer, items);
    sent += ids.length;
    const at = ((Date.now() - t0) / 1000).toFixed(2);
    say(`+${at}s  sent batch ${index + 1}: ${ids.length} message${ids.length === 1 ? '' : 's'} (${ids[0]} … ${ids[ids.length - 1]})`);
  }
  return sent;
};

const sendOneByOne = async (producer: Producer<DemoMessage>, items: DemoMessage[]): Promise<string[]> => {
  const ids: string[] = [];
  for (const item of items) ids.push(await producer.send(item));
  return ids;
};

/** Polls the group's pending count until it is 0 or `deadlineMs` passes; returns the last count. */
const pendingAfterClose = async (admin: Admin, stream: string, deadlineMs: number): Promise<number> => {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const stats = await admin.stats(stream);
    const pending = stats.groups.find((g) => g.name === GROUP)?.pending ?? 0;
    if (pending === 0 || Date.now() >= deadline) return pending;
    await sleep(50);
  }
};

/** The scenario itself, on a reachable Redis. */
const scenario = async (o: DemoOptions, url: string, privateRedis: boolean, say: (text: string) => void, t0: number): Promise<DemoSummary> => {
  const lib = await loadLibrary();
  const stream = `streamq-demo-${randomBytes(4).toString('hex')}`;
  const parts: Parts = { lib, admin: new lib.Admin({ redis: url }), producer: new lib.Producer<DemoMessage>({ stream, redis: url }), consumers: [], tracker: new HandledTracker() };
  say(`streamq demo on ${maskUrl(url)}, stream "${stream}"`);
  let cleanedUp = false;
  try {
    const created = await parts.admin.createGroup(stream, GROUP, { startAt: '0' });
    say(created ? `Created group "${GROUP}" (XGROUP CREATE … MKSTREAM).` : `Group "${GROUP}" already exists (BUSYGROUP): using it.`);
    await startConsumers(parts, url, stream, say, t0);
    const sent = await sendBatches(parts, o, say, t0);
    await parts.tracker.waitFor(sent, o.deadlineMs ?? 15_000, o.signal);
    await Promise.all(parts.consumers.map((c) => c.close({ timeoutMs: 5000 })));
    say('All messages handled; consumers closed (in-flight work finished, acks flushed).');
    const pending = await pendingAfterClose(parts.admin, stream, 3000);
    const { deadLetters } = await parts.admin.stats(stream);
    cleanedUp = await dropDemoStream(parts.admin, url, stream, say);
    const handledBy = parts.tracker.counts(CONSUMERS);
    const redis = maskUrl(url);
    return { stream, group: GROUP, redis, privateRedis, sent, handled: parts.tracker.distinct, handledBy, redelivered: parts.tracker.redelivered, pending, deadLetters, cleanedUp, durationMs: Date.now() - t0 };
  } finally {
    await Promise.allSettled(parts.consumers.map((c) => c.close({ timeoutMs: 2000 })));
    if (!cleanedUp) await dropDemoStream(parts.admin, url, stream, say).catch(() => undefined);
    await Promise.allSettled([parts.producer.close(), parts.admin.close()]);
  }
};

/** Deletes the demo stream and its auxiliary keys; reports (never throws) on failure. */
const dropDemoStream = async (admin: Admin, url: string, stream: string, say: (text: string) => void): Promise<boolean> => {
  try {
    await admin.deleteStream(stream);
    say(`Deleted the demo's keys (${stream} and its auxiliary keys).`);
    return true;
  } catch (error) {
    say(`Could not delete the demo's keys: ${(error as Error).message}`);
    return false;
  }
};

/** Prints the summary: a table, or one JSON document. */
const report = (o: DemoOptions, s: DemoSummary): void => {
  if (o.json) return printJson(o.out, s);
  const rows = [
    ['sent', s.sent],
    ['handled', s.handled],
    ['redelivered', s.redelivered],
    ['pending', s.pending],
    ['dead letters', s.deadLetters],
  ];
  o.out.line('');
  o.out.line('Summary');
  o.out.line(renderTable(['what', 'count'], rows));
  o.out.line('');
  o.out.line(renderTable(['consumer', 'handled'], Object.entries(s.handledBy)));
  o.out.line('');
  o.out.line(`Done in ${formatDuration(s.durationMs)}: ${s.sent} sent, ${s.handled} handled and acknowledged, pending ${s.pending}.`);
};
