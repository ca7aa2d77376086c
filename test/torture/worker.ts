/**
 * One torture consumer process: `node --import tsx test/torture/worker.ts <base64 JSON WorkerInit>`,
 * started by the torture engine with an IPC channel. It consumes the torture stream in the group
 * through the fault-injection proxy and writes every handler start, success and poison failure to
 * its own ledger file with a synchronous append before the handler returns. The parent SIGKILLs it
 * at random; on `{ type: 'close' }` it closes gracefully and exits.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, fixedBackoff, type Message } from '../../src/index.js';
import { ledgerLine, type ParentMessage, type TorturePayload, type WorkerInit, type WorkerMessage } from './protocol.js';

const init = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8')) as WorkerInit;
const ledger = openSync(init.ledger, 'a');
const errors: Record<string, number> = {};
const seenErrors = new Set<string>();
let started = 0;
let handled = 0;
let failed = 0;
let warnings = 0;
let startAttempts = 0;
let consumer: Consumer<TorturePayload> | undefined;

const send = (message: WorkerMessage): void => {
  if (process.connected) process.send?.(message);
};
// The parent is gone (crashed or killed): never linger as an orphan.
process.on('disconnect', () => process.exit(2));

const record = (kind: 'S' | 'H' | 'F', message: Message<TorturePayload>): void => {
  writeSync(ledger, ledgerLine(kind, message.id, message.data.n, message.deliveries, Date.now()));
};

async function handle(message: Message<TorturePayload>): Promise<void> {
  const data = message.data;
  if (typeof data !== 'object' || data === null || typeof data.n !== 'number') {
    throw new Error(`not a torture payload: ${JSON.stringify(message.fields).slice(0, 200)}`);
  }
  started++;
  record('S', message);
  if (data.ms) await sleep(data.ms);
  if (data.p === 1) {
    failed++;
    record('F', message);
    throw new Error(`poison message ${data.n}`);
  }
  record('H', message);
  handled++;
}

function noteError(error: Error): void {
  const code = (error as { code?: string }).code ?? error.name;
  errors[code] = (errors[code] ?? 0) + 1;
  // The first occurrence of each distinct message goes to stderr (the run directory keeps it).
  const shape = error.message.replace(/\d+/g, 'N').slice(0, 200);
  if (!seenErrors.has(shape) && seenErrors.size < 50) {
    seenErrors.add(shape);
    process.stderr.write(`[${init.name}] ${code}: ${error.message}\n`);
  }
}

function report(): void {
  send({
    type: 'stats', started, handled, failed, warnings, startAttempts, errors: { ...errors },
    counters: consumer?.metrics.snapshot() ?? { sent: 0, delivered: 0, acked: 0, retried: 0, reclaimed: 0, deadLettered: 0, failed: 0, deletedWhilePending: 0, leasesRenewed: 0, leasesLost: 0, ticksSent: 0, heldByRateLimit: 0, heldByKeyConcurrency: 0 },
  });
}

/** Starts a consumer, retrying (with a new instance) while Redis is unreachable, e.g. during a Redis restart. */
async function start(): Promise<void> {
  for (;;) {
    startAttempts++;
    const candidate = new Consumer<TorturePayload>({
      stream: init.stream, group: init.group, name: init.name, redis: init.url, handler: handle,
      visibilityTimeoutMs: init.visibilityTimeoutMs, maxDeliveries: init.maxDeliveries, concurrency: init.concurrency,
      backoff: fixedBackoff(init.retryDelayMs), blockMs: 1_000, connectTimeoutMs: 3_000,
    });
    candidate.on('error', noteError);
    candidate.on('warning', (message: string) => {
      warnings++;
      process.stderr.write(`[${init.name}] warning: ${message}\n`);
    });
    try {
      await candidate.start();
      consumer = candidate;
      return;
    } catch (error) {
      noteError(error as Error);
      await candidate.close({ timeoutMs: 100 }).catch(() => undefined);
      await sleep(200);
    }
  }
}

process.on('message', (raw) => {
  const message = raw as ParentMessage;
  if (message.type !== 'close') return;
  void (async () => {
    await consumer?.close({ timeoutMs: 10_000 });
    report();
    closeSync(ledger);
    send({ type: 'closed' });
    setTimeout(() => process.exit(0), 50);
  })();
});

await start();
send({ type: 'ready' });
setInterval(report, 250).unref();
// Keeps the process alive until the parent says close (or kills it).
setInterval(() => undefined, 1 << 30);
