/**
 * Helpers for CLI tests: run `streamq` from source (node --import tsx src/cli/main.ts) and make
 * dead letters with the library.
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, Producer } from '../../src/index.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** What a CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Written to standard input (then closed); standard input is empty otherwise. */
  input?: string;
  /** Extra environment (REDIS_URL and STREAMQ_DASHBOARD_TOKEN are removed unless given here). */
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long. @default 60000 */
  timeoutMs?: number;
}

/** Runs `streamq <args>` from source and collects its output. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.REDIS_URL;
  delete env.STREAMQ_DASHBOARD_TOKEN;
  Object.assign(env, options.env ?? {});
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Parses a CLI run's standard output as one JSON document, with its output in the error if it fails. */
export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/**
 * Sends `payloads` to `stream` and dead-letters each of them (a consumer in `group`, started at
 * `$`, terms every message it gets), then waits until the stream has that many dead letters.
 */
export async function makeDeadLetters(url: string, stream: string, group: string, payloads: unknown[]): Promise<void> {
  const producer = new Producer<unknown>({ stream, redis: url });
  const admin = new Admin({ redis: url });
  // Kept in the group after close, so the group has a consumer to show.
  const consumer = new Consumer<unknown>({ stream, group, redis: url, startAt: '$', keepConsumerOnClose: true, handler: (msg) => msg.term('poison (test)') });
  try {
    await consumer.start();
    await producer.sendMany(payloads);
    await waitFor(async () => (await admin.stats(stream)).deadLetters >= payloads.length, { deadlineMs: 10_000, description: 'dead letters' });
  } finally {
    await consumer.close({ timeoutMs: 5000 });
    await producer.close();
    await admin.close();
  }
}

/** Deletes a stream and its auxiliary keys (test clean-up). */
export async function dropStream(url: string, stream: string): Promise<void> {
  const admin = new Admin({ redis: url });
  try {
    await admin.deleteStream(stream);
  } finally {
    await admin.close();
  }
}

/** Stream names a test file creates (unique), all dropped at its end with {@link TestStreams.dropAll}. */
export class TestStreams {
  readonly #names: string[] = [];

  /** A new unique stream name starting with `prefix`. */
  name(prefix: string): string {
    const name = uniqueName(prefix);
    this.#names.push(name);
    return name;
  }

  /** Deletes every stream named here, with its auxiliary keys. */
  async dropAll(url: string): Promise<void> {
    for (const name of this.#names) await dropStream(url, name).catch(() => undefined);
  }
}
