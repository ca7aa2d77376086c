import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CliError, ExitCode } from './exit-codes.js';
import { canConnect, freePort, waitUntil } from './net.js';

/** A private `redis-server` started by the CLI for its own lifetime. */
export interface LocalRedis {
  /** `redis://127.0.0.1:<port>` of the private server. */
  url: string;
  /** The server's process ID. */
  pid: number;
  /** The port it listens on (127.0.0.1 only). */
  port: number;
  /** Stops the server (SIGTERM by PID, SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/** What to tell a user who has no Redis at all. */
export const HOW_TO_GET_REDIS = [
  'No Redis server is reachable and redis-server is not on PATH.',
  'Install Redis, then run the command again:',
  '  Debian/Ubuntu:  sudo apt-get install redis-server',
  '  macOS:          brew install redis',
  '  Docker:         docker run --rm -p 6379:6379 redis:7',
  'or point streamq at a server with --url redis://HOST:PORT (or REDIS_URL).',
].join('\n');

/**
 * The full path of an executable found on `PATH`, or `undefined`.
 * @param name - the executable's name, e.g. `redis-server`.
 * @param path - the PATH value to search (defaults to the process's).
 */
export const findOnPath = (name: string, path: string | undefined = process.env.PATH): string | undefined => {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
};

/** Waits for a child process to exit, at most `timeoutMs`; resolves whether it exited. */
const waitExit = (child: ChildProcess, timeoutMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** Kills a child by its PID: SIGTERM, then SIGKILL after `graceMs`. */
const killByPid = async (child: ChildProcess, graceMs = 2000): Promise<void> => {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitExit(child, graceMs)) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitExit(child, graceMs);
};

/**
 * Starts a private, memory-only `redis-server` from PATH on a free port of 127.0.0.1 and
 * waits until it accepts connections. It is also killed if this process exits first.
 * @param options - `path` to search instead of the process's PATH; `timeoutMs` to wait for it.
 * @throws CliError (exit 1) with {@link HOW_TO_GET_REDIS} when there is no redis-server on PATH.
 */
export const startLocalRedis = async (options: { path?: string; timeoutMs?: number } = {}): Promise<LocalRedis> => {
  const binary = findOnPath('redis-server', options.path ?? process.env.PATH);
  if (binary === undefined) throw new CliError(HOW_TO_GET_REDIS, ExitCode.Failure);
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const onExit = (): void => {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const up = await waitUntil(async () => child.exitCode !== null || (await canConnect('127.0.0.1', port, 300)), options.timeoutMs ?? 5000);
  if (!up || child.exitCode !== null || child.pid === undefined) {
    await killByPid(child);
    process.removeListener('exit', onExit);
    throw new CliError(`could not start redis-server (${binary}) on port ${port}: ${stderr.trim() || 'no output'}`);
  }
  const pid = child.pid;
  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    port,
    async stop() {
      await killByPid(child);
      process.removeListener('exit', onExit);
    },
  };
};
