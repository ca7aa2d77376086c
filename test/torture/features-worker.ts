/**
 * One features torture consumer process: `node --import tsx test/torture/features-worker.ts
 * <base64 JSON FeaturesWorkerInit>`, started by the features engine with an IPC channel. Its group
 * consumes either with a `batchHandler` or with `for await`, always with `deleteOnAck`. Each
 * message's start and success go to the ledger with a synchronous append before the message is
 * settled (S then H; a batch writes all its S lines, then all its H lines, before it resolves).
 * The iterator settles every message at once (iterator messages are not renewed by the library:
 * one left unsettled for the visibility timeout is redelivered).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type Message } from '../../src/index.js';
import type { FeaturesPayload, FeaturesWorkerInit } from './features-protocol.js';
import { ledgerLine, type ParentMessage, type WorkerMessage } from './protocol.js';

const init = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8')) as FeaturesWorkerInit;
const ledger = openSync(init.ledger, 'a');
const errors: Record<string, number> = {};
const seenErrors = new Set<string>();
let started = 0;
let handled = 0;
let warnings = 0;
let startAttempts = 0;

const send = (message: WorkerMessage): void => {
  if (process.connected) process.send?.(message);
};
process.on('disconnect', () => process.exit(2));

function record(kind: 'S' | 'H', message: Message<FeaturesPayload>): void {
  const data = message.data;
  if (typeof data !== 'object' || data === null || typeof data.n !== 'number') {
    throw new Error(`not a features payload: ${JSON.stringify(message.fields).slice(0, 200)}`);
  }
  writeSync(ledger, ledgerLine(kind, message.id, data.n, message.deliveries, Date.now()));
  if (kind === 'S') started++;
  else handled++;
}

async function handleBatch(messages: Message<FeaturesPayload>[]): Promise<void> {
  for (const message of messages) record('S', message);
  await sleep(1); // the batch's "database insert"
  for (const message of messages) record('H', message);
}

function noteError(error: Error): void {
  const code = (error as { code?: string }).code ?? error.name;
  errors[code] = (errors[code] ?? 0) + 1;
  const shape = error.message.replace(/\d+/g, 'N').slice(0, 200);
  if (!seenErrors.has(shape) && seenErrors.size < 50) {
    seenErrors.add(shape);
    process.stderr.write(`[${init.name}] ${code}: ${error.message}\n`);
  }
}

/** Starts a consumer, retrying (with a new instance) while Redis is unreachable. */
async function start(): Promise<Consumer<FeaturesPayload>> {
  for (;;) {
    startAttempts++;
    const candidate = new Consumer<FeaturesPayload>({
      stream: init.stream, group: init.group, name: init.name, redis: init.url, deleteOnAck: true,
      visibilityTimeoutMs: init.visibilityTimeoutMs, concurrency: init.concurrency, blockMs: 1_000, connectTimeoutMs: 3_000,
      ...(init.mode === 'batch' ? { batchHandler: handleBatch, batchSize: init.batchSize } : {}),
    });
    candidate.on('error', noteError);
    candidate.on('warning', (message: string) => {
      warnings++;
      process.stderr.write(`[${init.name}] warning: ${message}\n`);
    });
    try {
      await candidate.start();
      return candidate;
    } catch (error) {
      noteError(error as Error);
      await candidate.close({ timeoutMs: 100 }).catch(() => undefined);
      await sleep(200);
    }
  }
}

/** The `for await` loop: each message recorded and acknowledged at once. */
async function iterate(source: Consumer<FeaturesPayload>): Promise<void> {
  for await (const message of source as AsyncIterable<Message<FeaturesPayload>>) {
    record('S', message);
    record('H', message);
    message.ack();
  }
}

const consumer = await start();

function report(): void {
  send({
    type: 'stats', started, handled, failed: 0, warnings, startAttempts, errors: { ...errors },
    counters: consumer.metrics.snapshot(),
  });
}

process.on('message', (raw) => {
  const message = raw as ParentMessage;
  if (message.type !== 'close') return;
  void (async () => {
    await consumer.close({ timeoutMs: 10_000 });
    report();
    closeSync(ledger);
    send({ type: 'closed' });
    setTimeout(() => process.exit(0), 50);
  })();
});

send({ type: 'ready' });
setInterval(report, 250).unref();
setInterval(() => undefined, 1 << 30);
if (init.mode === 'iterator') {
  iterate(consumer).catch((error: Error) => {
    noteError(error);
    process.stderr.write(`[${init.name}] the iterator failed: ${error.stack ?? error.message}\n`);
    process.exit(3);
  });
}
