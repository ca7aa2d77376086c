/**
 * Redis Sentinel: a local master, a replica and a sentinel (`redis-server --sentinel`, so no
 * extra package is needed). streamq connects through sentinel options, a `redis+sentinel://` URL
 * or an existing node-redis sentinel client (createSentinel); producer, consumer and admin work;
 * when the master is SIGKILLed, the sentinel promotes the replica and producer and consumer
 * carry on (every message sent after the failover is handled; nothing stays pending).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createSentinel } from 'redis';
import { Admin, Consumer, fixedBackoff, MetricsRegistry, Producer, type RedisOption } from '../../src/index.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { parseInfo, respCommand, type RespValue } from '../support/resp.js';

const MASTER_NAME = 'streamq-master';
const HOST = '127.0.0.1';

/** A `redis-server --sentinel` child process watching one master. */
class LocalSentinel {
  readonly port: number;
  readonly #dir: string;
  readonly #child: ChildProcess;

  private constructor(port: number, dir: string, child: ChildProcess) {
    this.port = port;
    this.#dir = dir;
    this.#child = child;
  }

  static async start(master: RedisServer): Promise<LocalSentinel> {
    const dir = await mkdtemp(join(tmpdir(), 'streamq-sentinel-'));
    const port = await freePort();
    const config = join(dir, 'sentinel.conf');
    await writeFile(config, [
      `port ${port}`, `bind ${HOST}`, `dir ${dir}`, `logfile ${join(dir, 'sentinel.log')}`,
      `sentinel monitor ${MASTER_NAME} ${HOST} ${master.port} 1`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 10000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'));
    // Like the test support's servers: dies with this process (setpriv --pdeathsig), and is killed on exit.
    const args = [config, '--sentinel'];
    const withPdeathsig = process.platform === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' }).status === 0;
    const child = withPdeathsig
      ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'redis-server', ...args], { stdio: 'ignore' })
      : spawn('redis-server', args, { stdio: 'ignore' });
    child.on('error', () => undefined);
    const killOnExit = (): void => { child.kill('SIGKILL'); };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const sentinel = new LocalSentinel(port, dir, child);
    try {
      await waitFor(() => sentinel.command('PING').then((reply) => reply === 'PONG'), { deadlineMs: 10_000, description: 'the sentinel to answer PING' });
    } catch (error) {
      await sentinel.stop();
      throw error;
    }
    return sentinel;
  }

  command(...args: string[]): Promise<RespValue> {
    return respCommand({ host: HOST, port: this.port }, args);
  }

  /** The master address the sentinel reports now. */
  async masterPort(): Promise<number> {
    const reply = await this.command('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME) as string[];
    return Number(reply[1]);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGKILL');
      await exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}

let master: RedisServer;
let replica: RedisServer;
let sentinel: LocalSentinel;

before(async () => {
  master = await RedisServer.start();
  replica = await RedisServer.start({ replicaOf: { host: HOST, port: master.port } });
  await waitFor(async () => parseInfo(String(await replica.command('INFO', 'replication'))).get('master_link_status') === 'up', { deadlineMs: 10_000, description: 'the replica in sync' });
  sentinel = await LocalSentinel.start(master);
  await waitFor(async () => {
    const replicas = await sentinel.command('SENTINEL', 'REPLICAS', MASTER_NAME) as string[][];
    return replicas.length === 1 && !String(replicas[0]?.[replicas[0].indexOf('flags') + 1]).includes('down');
  }, { deadlineMs: 20_000, description: 'the sentinel to know the replica' });
});
after(async () => {
  await sentinel?.stop();
  await Promise.all([master?.stop(), replica?.stop()]);
});

const sentinelOptions = () => ({ name: MASTER_NAME, sentinelRootNodes: [{ host: HOST, port: sentinel.port }] });

async function roundTrip(redis: RedisOption): Promise<void> {
  const stream = uniqueName('sentinel');
  const producer = new Producer<{ n: number }>({ stream, redis, registry: new MetricsRegistry() });
  const got: number[] = [];
  const consumer = new Consumer<{ n: number }>({ stream, group: 'g', redis, blockMs: 200, registry: new MetricsRegistry(), handler: (msg) => { got.push(msg.data.n); } });
  const admin = new Admin({ redis });
  try {
    await producer.send({ n: 0 });
    await producer.sendMany(Array.from({ length: 9 }, (_u, i) => ({ n: i + 1 })));
    await consumer.start();
    await waitFor(() => got.length === 10, { deadlineMs: 10_000, description: '10 messages through the sentinel' });
    await consumer.onIdle();
    assert.equal((await admin.stats(stream)).groups[0]?.pending, 0);
  } finally {
    await consumer.close({ timeoutMs: 5_000 });
    await producer.close();
    await admin.close();
  }
}

describe('Sentinel', { timeout: 100_000 }, () => {
  it('works with sentinel options', async () => {
    await roundTrip(sentinelOptions());
  });

  it('works with a redis+sentinel:// URL', async () => {
    await roundTrip(`redis+sentinel://${HOST}:${sentinel.port}/${MASTER_NAME}`);
  });

  it('works with an existing sentinel client, and leaves it open', async () => {
    const client = createSentinel(sentinelOptions());
    client.on('error', () => undefined);
    await client.connect();
    try {
      await roundTrip(client);
      assert.ok(client.isOpen);
    } finally {
      await client.close();
    }
  });

  it('carries on after the sentinel fails the master over to the replica', async (t) => {
    const stream = uniqueName('sentinel-failover');
    const redis = sentinelOptions();
    const producer = new Producer<{ seq: number }>({ stream, redis, registry: new MetricsRegistry() });
    producer.on('error', () => undefined);
    const handled = new Set<number>();
    const consumer = new Consumer<{ seq: number }>({
      stream, group: 'g', redis, blockMs: 300, visibilityTimeoutMs: 2_000, reclaimIntervalMs: 200, backoff: fixedBackoff(50),
      registry: new MetricsRegistry(), handler: (msg) => { handled.add(msg.data.seq); },
    });
    consumer.on('error', () => undefined);
    const admin = new Admin({ redis });
    const acked = new Set<number>();
    let failures = 0;
    let sending = true;
    let seq = 0;
    const sender = (async () => {
      while (sending) {
        const n = seq++;
        try {
          await producer.send({ seq: n });
          acked.add(n);
        } catch {
          failures++;
          await pause(50); // back off while the sentinel fails over
        }
        await pause(5); // pace
      }
    })();
    try {
      await admin.createGroup(stream, 'g', { startAt: '0' });
      await consumer.start();
      await waitFor(() => handled.size >= 100, { deadlineMs: 15_000, description: '100 handled before the failover' });
      const killedAt = Date.now();
      await master.kill();
      await waitFor(async () => (await sentinel.masterPort()) === replica.port, { deadlineMs: 30_000, description: 'the sentinel to promote the replica' });
      const promotedMs = Date.now() - killedAt;
      const firstAfter = seq;
      await waitFor(() => [...acked].filter((n) => n >= firstAfter).length >= 100, { deadlineMs: 30_000, description: '100 sends after the failover' });
      sending = false;
      await sender;
      const afterFailover = [...acked].filter((n) => n >= firstAfter);
      await waitFor(() => afterFailover.every((n) => handled.has(n)), { deadlineMs: 30_000, description: 'every message sent after the failover handled' });
      await waitFor(async () => (await admin.stats(stream)).groups[0]?.pending === 0, { deadlineMs: 30_000, description: 'pending 0' });
      const lost = [...acked].filter((n) => !handled.has(n)).length;
      t.diagnostic(`promoted after ${promotedMs} ms; ${acked.size} sends acknowledged, ${failures} failed during the failover; ${lost} acknowledged before the failover and not handled (asynchronous replication)`);
    } finally {
      sending = false;
      await sender;
      await consumer.close({ timeoutMs: 5_000 });
      await producer.close();
      await admin.close();
    }
  });
});
