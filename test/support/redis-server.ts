/**
 * Private `redis-server` processes for integration, fault and torture tests.
 *
 * Every server is a direct child of the test process, bound to 127.0.0.1, configured entirely on
 * the command line, and logs to `redis.log` in its data dir. Servers die with the test process:
 * on Linux they are spawned through `setpriv --pdeathsig KILL` when available (so even a SIGKILLed
 * test process takes them down), and in any case an `exit` handler SIGKILLs every server still
 * running.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, freePorts } from './free-port.js';
import { waitFor } from './poll.js';
import { parseInfo, respCommand, respCommandRaw, RespError, type RespTarget, type RespValue } from './resp.js';

/** Options for {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** TCP port (or TLS port with `tls`). Default: a free port. */
  port?: number;
  /** Data dir. Default: a new temp dir, removed by `stop()` unless `keepDir`. A given dir is never removed. */
  dir?: string;
  /** Keep the temp data dir on `stop()` (for post-mortem debugging). */
  keepDir?: boolean;
  /** Enable the append-only file (default false). RDB snapshots are always off (`save ""`). */
  appendOnly?: boolean;
  /** `appendfsync` policy (only meaningful with `appendOnly`). */
  appendFsync?: 'always' | 'everysec';
  /** `requirepass` (also used as `masterauth`). */
  password?: string;
  /** `maxmemory`, e.g. `'2mb'`, with `maxmemory-policy noeviction`. */
  maxMemory?: string;
  /** Serve TLS only, on `port` (PEM file paths). Clients certificates are optional. */
  tls?: { cert: string; key: string; ca: string };
  /** `cluster-enabled yes` with `nodes.conf` in the data dir and a 2 s node timeout. */
  cluster?: boolean;
  /** Cluster bus port (only with `cluster`). Default: a free port (not port + 10000, which may overflow). */
  clusterPort?: number;
  /** Start as a replica of this master. */
  replicaOf?: { host: string; port: number };
  /** Appended verbatim to the command line, e.g. `['--enable-debug-command', 'yes']`. */
  extraArgs?: string[];
}

/** Options after defaults have been resolved at first start; restart reuses them unchanged. */
interface ResolvedOptions extends RedisServerOptions {
  port: number;
  dir: string;
  clusterPort?: number;
}

const HOST = '127.0.0.1' as const;
const LOG_FILE = 'redis.log';
const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 10_000;
const LOG_TAIL_LINES = 30;

/** Servers whose process may still be alive; SIGKILLed when the test process exits. */
const liveProcesses = new Set<ChildProcess>();
/** Temp data dirs created here and not yet removed; removed when the test process exits. */
const tempDirs = new Set<string>();
let exitHookInstalled = false;
let pdeathsigSupported: boolean | undefined;

/** SIGKILLs every server still running. Synchronous: safe inside `process.on('exit')`. */
function killAllSync(): void {
  for (const child of liveProcesses) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveProcesses.clear();
}

/** Exit hook: SIGKILL surviving servers, then remove temp data dirs. */
function cleanUpSync(): void {
  killAllSync();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // best effort: a just-killed server may still be releasing files
    }
  }
  tempDirs.clear();
}

/** Removes a temp data dir created by this module. */
async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.delete(dir);
}

/** On SIGINT/SIGTERM/SIGHUP: clean up, then re-raise if nobody else handles the signal. */
function onFatalSignal(signal: NodeJS.Signals): void {
  cleanUpSync();
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onFatalSignal);
    process.kill(process.pid, signal);
  }
}

/** Installs the process-wide cleanup hooks once. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanUpSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onFatalSignal);
}

/** Whether `setpriv --pdeathsig` works here (Linux util-linux); checked once. */
function canUsePdeathsig(): boolean {
  if (pdeathsigSupported === undefined) {
    if (process.platform !== 'linux') return (pdeathsigSupported = false);
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
    pdeathsigSupported = probe.status === 0;
  }
  return pdeathsigSupported;
}

/** Returns the last `lines` lines of a file, or a note if it cannot be read. */
export function tailFile(path: string, lines = LOG_TAIL_LINES, fromByte = 0): string {
  try {
    const text = readFileSync(path).subarray(fromByte).toString('utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${(error as Error).message})`;
  }
}

/** Size of a file in bytes, 0 if it does not exist. */
function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** Command-line arguments for the core server settings. */
function baseArgs(o: ResolvedOptions): string[] {
  const args = ['--bind', HOST, '--dir', o.dir, '--logfile', join(o.dir, LOG_FILE)];
  args.push('--daemonize', 'no', '--save', '', '--appendonly', o.appendOnly ? 'yes' : 'no');
  args.push('--repl-diskless-sync-delay', '0'); // replicas sync at once instead of after 5 s
  if (o.appendFsync) args.push('--appendfsync', o.appendFsync);
  if (o.password !== undefined) args.push('--requirepass', o.password, '--masterauth', o.password);
  if (o.maxMemory) args.push('--maxmemory', o.maxMemory, '--maxmemory-policy', 'noeviction');
  if (o.replicaOf) args.push('--replicaof', o.replicaOf.host, String(o.replicaOf.port));
  return args;
}

/** Command-line arguments for the listening port(s), TLS included. */
function portArgs(o: ResolvedOptions): string[] {
  if (!o.tls) return ['--port', String(o.port)];
  const args = ['--port', '0', '--tls-port', String(o.port)];
  args.push('--tls-cert-file', o.tls.cert, '--tls-key-file', o.tls.key, '--tls-ca-cert-file', o.tls.ca);
  args.push('--tls-auth-clients', 'optional');
  if (o.replicaOf) args.push('--tls-replication', 'yes');
  if (o.cluster) args.push('--tls-cluster', 'yes');
  return args;
}

/** Command-line arguments for cluster mode. */
function clusterArgs(o: ResolvedOptions): string[] {
  if (!o.cluster) return [];
  const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(o.dir, 'nodes.conf')];
  args.push('--cluster-node-timeout', '2000');
  if (o.clusterPort !== undefined) args.push('--cluster-port', String(o.clusterPort));
  return args;
}

/** The full `redis-server` argument list. */
function serverArgs(o: ResolvedOptions): string[] {
  return [...portArgs(o), ...baseArgs(o), ...clusterArgs(o), ...(o.extraArgs ?? [])];
}

/** Whether the child process has exited. */
function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the child exits (immediately if it already has). */
function exitOf(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolveExit) => child.once('exit', () => resolveExit()));
}

/**
 * Waits up to `ms` for the child to exit; resolves true if it did. The timer also keeps the event
 * loop alive while waiting (server processes are unref'd).
 */
async function exitsWithin(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  const exited = await Promise.race([exitOf(child).then(() => true as const), timeout]);
  clearTimeout(timer);
  return exited;
}

/** SIGKILLs the child and waits for it to exit (throws if it somehow survives 10 s). */
async function killAndReap(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGKILL');
  if (!(await exitsWithin(child, STOP_DEADLINE_MS))) {
    throw new Error(`redis-server pid ${child.pid} did not exit after SIGKILL`);
  }
}

/** Whether a listener can bind the port on 127.0.0.1 right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const probe = createServer();
    probe.once('error', () => resolveBind(false));
    probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => resolveBind(true)));
  });
}

/** Error thrown when a server does not come up; carries whether the port was busy. */
class StartError extends Error {
  override readonly name = 'RedisServerStartError';
  constructor(
    message: string,
    readonly portBusy: boolean,
  ) {
    super(message);
  }
}

/** A `redis-server` child process on 127.0.0.1. Create with {@link RedisServer.start}. */
export class RedisServer {
  readonly host = HOST;
  readonly port: number;
  readonly dir: string;
  /** The options this server was started with (defaults resolved). */
  readonly options: Readonly<ResolvedOptions>;
  readonly #ownsDir: boolean;
  #child: ChildProcess | undefined;

  private constructor(options: ResolvedOptions, ownsDir: boolean) {
    this.options = options;
    this.port = options.port;
    this.dir = options.dir;
    this.#ownsDir = ownsDir;
  }

  /**
   * Spawns `redis-server` and resolves once it answers PING (deadline 10 s). Without an explicit
   * `port`, a port taken by someone else in the meantime is retried with a new free port.
   * On failure the error message contains the tail of the server log.
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const ownsDir = options.dir === undefined;
    const dir = ownsDir ? await mkdtemp(join(tmpdir(), 'streamq-redis-')) : resolve(options.dir as string);
    if (!ownsDir) await mkdir(dir, { recursive: true });
    else if (!options.keepDir) tempDirs.add(dir);
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      const server = new RedisServer(await resolveOptions(options, dir), ownsDir);
      try {
        await server.#launch(deadline);
        return server;
      } catch (error) {
        const retry = error instanceof StartError && error.portBusy && options.port === undefined;
        if (!retry || Date.now() >= deadline) {
          if (ownsDir && !options.keepDir) await removeTempDir(dir);
          throw error;
        }
      }
    }
  }

  /** `redis://127.0.0.1:PORT`, `rediss://` with TLS, `redis://:PASSWORD@...` with a password. */
  get url(): string {
    const scheme = this.options.tls ? 'rediss' : 'redis';
    const auth = this.options.password !== undefined ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `${scheme}://${auth}${HOST}:${this.port}`;
  }

  /** PID of the current process, undefined when never started or exited. */
  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  /** Whether the server process is alive (it may still be loading). */
  get running(): boolean {
    return this.#child !== undefined && !hasExited(this.#child);
  }

  /** Path of the server log (stdout, stderr and `logfile`). */
  get logFile(): string {
    return join(this.dir, LOG_FILE);
  }

  /** Last lines of the server log. */
  logTail(lines = LOG_TAIL_LINES): string {
    return tailFile(this.logFile, lines);
  }

  /** Connection target for the raw probe client. */
  get target(): RespTarget {
    const { password, tls } = this.options;
    const target: RespTarget = { host: HOST, port: this.port };
    if (password !== undefined) target.password = password;
    if (tls) target.tls = { ca: tls.ca };
    return target;
  }

  /** Sends one command over a fresh connection (AUTH and TLS handled) and returns the reply; error replies throw. */
  command(...args: string[]): Promise<RespValue> {
    return respCommand(this.target, args);
  }

  /** Graceful stop: SIGTERM, wait (10 s, then SIGKILL), then remove the temp dir unless kept. Idempotent. */
  async stop(): Promise<void> {
    await this.#terminate();
    if (this.#ownsDir && !this.options.keepDir) await removeTempDir(this.dir);
  }

  /** Crash: SIGKILL and wait for exit. The data dir is kept for {@link restart}. */
  async kill(): Promise<void> {
    if (this.#child) await killAndReap(this.#child);
  }

  /**
   * Starts the server again with the same port, dir and options (a running server is stopped
   * gracefully first, keeping its dir). Retries while the port is busy (deadline 10 s) and
   * resolves once PING answers and loading has finished.
   */
  async restart(): Promise<void> {
    await this.#terminate();
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      try {
        return await this.#launch(deadline);
      } catch (error) {
        if (!(error instanceof StartError && error.portBusy) || Date.now() >= deadline) throw error;
        await this.#waitForPort(deadline);
      }
    }
  }

  /** Polls until the port can be bound again (or the deadline passes; the caller then gives up). */
  async #waitForPort(deadline: number): Promise<void> {
    const deadlineMs = Math.max(deadline - Date.now(), 1);
    await waitFor(() => canBind(this.port), { deadlineMs, intervalMs: 100 }).catch(() => undefined);
  }

  /** SIGTERM, wait up to 10 s, then SIGKILL; keeps the dir. */
  async #terminate(): Promise<void> {
    const child = this.#child;
    if (!child || hasExited(child)) return;
    child.kill('SIGTERM');
    if (!(await exitsWithin(child, STOP_DEADLINE_MS))) await killAndReap(child);
  }

  /** Spawns the process and waits until it is ready, or throws a {@link StartError}. */
  async #launch(deadline: number): Promise<void> {
    const logOffset = fileSize(this.logFile);
    const child = this.#spawn();
    try {
      await this.#waitReady(child, deadline);
    } catch (error) {
      await killAndReap(child);
      const log = tailFile(this.logFile, LOG_TAIL_LINES, logOffset);
      const portBusy = /address already in use/i.test(log);
      const reason = (error as Error).message;
      const message = `redis-server on port ${this.port} did not start: ${reason}`;
      throw new StartError(`${message}\n--- ${this.logFile} ---\n${log}`, portBusy);
    }
  }

  /** Spawns `redis-server` with stdout/stderr appended to the log file. */
  #spawn(): ChildProcess {
    installExitHook();
    const args = serverArgs(this.options);
    const [command, argv] = canUsePdeathsig()
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'redis-server', ...args]]
      : ['redis-server', args];
    const logFd = openSync(this.logFile, 'a');
    try {
      const child = spawn(command, argv, { cwd: this.dir, stdio: ['ignore', logFd, logFd] });
      child.on('error', () => undefined); // reported through the readiness check
      child.unref(); // a forgotten server must not keep the test process alive; the exit hook kills it
      liveProcesses.add(child);
      child.once('exit', () => liveProcesses.delete(child)); // never signal a recycled pid
      this.#child = child;
      return child;
    } finally {
      closeSync(logFd);
    }
  }

  /** Polls PING (and INFO loading) until ready, failing fast if the process exits. */
  async #waitReady(child: ChildProcess, deadline: number): Promise<void> {
    const abort = new AbortController();
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    const exited = exitOf(child).then(() => {
      throw new Error(`process exited (code ${child.exitCode}, signal ${child.signalCode})`);
    });
    const ready = waitFor(() => this.#isReady(child), {
      deadlineMs: Math.max(deadline - Date.now(), 1),
      description: `redis-server ${HOST}:${this.port} to answer PING`,
      signal: abort.signal,
    });
    for (const outcome of [spawnError, exited, ready]) outcome.catch(() => undefined); // losers must not go unhandled
    try {
      await Promise.race([ready, exited, spawnError]);
    } finally {
      abort.abort();
    }
  }

  /** True when the process is alive, PING answers PONG and INFO says loading:0. */
  async #isReady(child: ChildProcess): Promise<boolean> {
    if (hasExited(child)) return false;
    const pong = await respCommandRaw(this.target, ['PING'], 1000);
    if (pong instanceof RespError) throw pong;
    if (pong !== 'PONG') return false;
    const info = await respCommand(this.target, ['INFO', 'persistence'], 1000);
    return parseInfo(String(info)).get('loading') === '0';
  }
}

/** Fills in the port, cluster bus port and dir defaults. */
async function resolveOptions(options: RedisServerOptions, dir: string): Promise<ResolvedOptions> {
  if (!options.cluster) return { ...options, dir, port: options.port ?? (await freePort()) };
  const [port, clusterPort] = await freePorts(2);
  return {
    ...options,
    dir,
    port: options.port ?? (port as number),
    clusterPort: options.clusterPort ?? (clusterPort as number),
  };
}

/** What {@link useRedis} returns. */
export interface UsedRedis {
  /** Connection URL for `createClient({ url })`. */
  url: string;
  /** The private server, when one was started (absent with `REDIS_URL`). */
  server?: RedisServer;
  /** Stops the private server (no-op with `REDIS_URL`). */
  close(): Promise<void>;
}

/**
 * For ordinary integration test files: uses `REDIS_URL` when set (never flushed — use
 * {@link uniqueName} for keys), otherwise starts a private redis-server for this file.
 *
 * @example
 * let redis: UsedRedis;
 * before(async () => { redis = await useRedis(); });
 * after(() => redis.close());
 */
export async function useRedis(): Promise<UsedRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, close: async () => undefined };
  const server = await RedisServer.start();
  return { url: server.url, server, close: () => server.stop() };
}

/** A name unique to this call: `${prefix}-${12 random hex chars}`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
