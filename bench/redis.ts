// A private, throw-away redis-server for the benchmark: no persistence, loopback only, on a free
// port. Deliberately self-contained (it does not reuse test/support) so the flags the benchmark
// relies on (`--save '' --appendonly no`) are pinned here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

export interface PrivateRedis {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  readonly pid: number;
  /** `redis-server --version` output. */
  readonly version: string;
  stop(): Promise<void>;
}


/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not get a free port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startPrivateRedis(opts: { startTimeoutMs?: number } = {}): Promise<PrivateRedis> {
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  const versionOut = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  const version = (versionOut.stdout ?? '').trim();
  let lastErr: unknown;
  // A port can be taken between freePort() and the server binding it: retry a few times.
  for (let attempt = 0; attempt < 5 && Date.now() < deadline; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'streamq-bench-redis-'));
    const child: ChildProcess = spawn(
      'redis-server',
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--save', '',
        '--appendonly', 'no',
        '--dir', dir,
        '--daemonize', 'no',
        '--loglevel', 'warning',
        '--logfile', '',
        '--databases', '1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    let exited = false;
    child.on('exit', () => (exited = true));
    const killOnExit = () => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    process.on('exit', killOnExit);

    // Wait for PING.
    let up = false;
    while (!exited && Date.now() < deadline) {
      const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 500 } });
      c.on('error', () => {});
      try {
        await c.connect();
        await c.ping();
        up = true;
        await c.close();
        break;
      } catch (err) {
        lastErr = err;
        try {
          c.destroy();
        } catch {
          /* not open */
        }
        await sleep(50);
      }
    }
    if (!up) {
      killOnExit();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
      lastErr = new Error(`redis-server on ${port} did not start: ${stderr.trim() || String(lastErr)}`);
      continue;
    }
    const pid = child.pid ?? -1;
    return {
      port,
      host: '127.0.0.1',
      url: `redis://127.0.0.1:${port}`,
      pid,
      version,
      stop: async () => {
        process.off('exit', killOnExit);
        if (!exited) {
          const gone = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          await Promise.race([gone, sleep(5_000)]);
          if (!exited) child.kill('SIGKILL');
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastErr instanceof Error ? lastErr : new Error('could not start redis-server');
}

const makeAdmin = (url: string) => createClient({ url, socket: { connectTimeout: 5_000 } });
export type AdminClient = ReturnType<typeof makeAdmin>;

export async function adminClient(url: string): Promise<AdminClient> {
  const c = makeAdmin(url);
  c.on('error', (err) => console.error('[bench admin redis]', err));
  await c.connect();
  return c;
}

/** Parses `INFO <section>` into a key → string map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** used_cpu_sys + used_cpu_user of the redis-server, in seconds. */
export async function redisCpuSeconds(c: AdminClient): Promise<number> {
  const info = parseInfo(String(await c.info('cpu')));
  return Number(info.used_cpu_sys ?? 0) + Number(info.used_cpu_user ?? 0);
}

export async function redisUsedMemory(c: AdminClient): Promise<number> {
  const info = parseInfo(String(await c.info('memory')));
  return Number(info.used_memory ?? 0);
}

/** Exact MEMORY USAGE (SAMPLES 0 walks every node) of one key; 0 when it does not exist. */
export async function keyMemory(c: AdminClient, key: string): Promise<number> {
  const v = await c.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
  return v === null || v === undefined ? 0 : Number(v);
}
