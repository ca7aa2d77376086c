/**
 * Proves the test-support helpers work against real redis-server processes:
 * server lifecycle and AOF durability across kill -9, the fault-injection proxy, TLS, and a local
 * cluster with failover.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createClient, createCluster } from 'redis';
import { LocalCluster } from '../support/cluster.js';
import { freePort, freePorts } from '../support/free-port.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, uniqueName, useRedis } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { makeTlsCerts } from '../support/tls-certs.js';

const execFileAsync = promisify(execFile);

/** A plain node-redis client for `url`. */
const makeClient = (url: string) => createClient({ url });
type Client = ReturnType<typeof makeClient>;

/** Runs `fn` with a connected node-redis client and always closes it. */
async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = makeClient(url);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Opens a raw TCP connection and resolves once connected. */
function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the socket has closed (any reason); fails after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<void> {
  if (socket.closed) return Promise.resolve();
  const closed = waitFor(() => socket.closed, { deadlineMs: ms, intervalMs: 10, description: 'socket close' });
  return closed.then(() => undefined);
}

/** Sends an inline PING on a raw socket and resolves with the reply line. */
function rawPing(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
    socket.once('error', reject);
    socket.write('PING\r\n');
  });
}

describe('free-port and names', () => {
  it('returns distinct usable ports and unique names', async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
    const ports = await freePorts(5);
    assert.equal(new Set(ports).size, 5);
    const name = uniqueName('stream');
    assert.match(name, /^stream-[0-9a-f]{12}$/);
    assert.notEqual(uniqueName('stream'), name);
  });
});

describe('RedisServer', () => {
  it('starts a server that answers PING, and stop() removes it and its dir', async () => {
    const server = await RedisServer.start();
    try {
      assert.equal(server.host, '127.0.0.1');
      assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
      assert.ok(server.running && typeof server.pid === 'number');
      assert.equal(await withClient(server.url, (client) => client.sendCommand(['PING'])), 'PONG');
    } finally {
      await server.stop();
    }
    assert.equal(server.running, false);
    assert.equal(server.pid, undefined);
    assert.equal(existsSync(server.dir), false);
  });

  it('puts the password in the URL', async () => {
    const server = await RedisServer.start({ password: 's3cret/pw' });
    try {
      assert.equal(server.url, `redis://:s3cret%2Fpw@127.0.0.1:${server.port}`);
      assert.equal(await withClient(server.url, (client) => client.sendCommand(['PING'])), 'PONG');
    } finally {
      await server.stop();
    }
  });

  it('keeps AOF data across kill -9 and restart on the same port', async () => {
    const server = await RedisServer.start({ appendOnly: true, appendFsync: 'always' });
    try {
      const key = uniqueName('aof');
      await withClient(server.url, (client) => client.set(key, 'durable'));
      const { port, dir } = server;
      const oldPid = server.pid;
      await server.kill();
      assert.equal(server.running, false);
      assert.ok(existsSync(dir), 'kill() keeps the data dir');
      await server.restart();
      assert.equal(server.port, port);
      assert.notEqual(server.pid, oldPid);
      assert.equal(await withClient(server.url, (client) => client.get(key)), 'durable');
    } finally {
      await server.stop();
    }
  });

  it('restart() waits for a busy port to be released', async () => {
    const server = await RedisServer.start();
    const blocker = createServer();
    try {
      await server.kill();
      await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: server.port }, resolve));
      const restarted = server.restart();
      // Release the port only after restart() has observed it busy (its first attempt logged so).
      await waitFor(async () => /Address already in use/.test(await readFile(server.logFile, 'utf8')), {
        deadlineMs: 5000,
        description: 'redis-server to report the busy port',
      });
      blocker.close();
      await restarted;
      assert.equal(await server.command('PING'), 'PONG');
    } finally {
      if (blocker.listening) blocker.close();
      await server.stop();
    }
  });

  it('starts a replica that follows its master', async () => {
    const master = await RedisServer.start();
    const replica = await RedisServer.start({ replicaOf: { host: master.host, port: master.port } });
    try {
      const key = uniqueName('replicated');
      await master.command('SET', key, 'copied');
      await waitFor(async () => (await replica.command('GET', key)) === 'copied', {
        deadlineMs: 10_000,
        description: 'the key to reach the replica',
      });
    } finally {
      await replica.stop();
      await master.stop();
    }
  });

  it('reports the server log when redis-server refuses to start', async () => {
    await assert.rejects(RedisServer.start({ extraArgs: ['--no-such-directive', 'x'] }), /Bad directive|FATAL/);
  });

  it('useRedis() gives a working URL', async () => {
    const redis = await useRedis();
    try {
      assert.equal(await withClient(redis.url, (client) => client.sendCommand(['PING'])), 'PONG');
    } finally {
      await redis.close();
    }
  });
});

describe('TcpProxy', () => {
  let server: RedisServer | undefined;
  let proxy: TcpProxy | undefined;
  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('forwards PING and cutAll() closes connected sockets', async () => {
    server = await RedisServer.start();
    proxy = await TcpProxy.start({ host: server.host, port: server.port });
    assert.equal(proxy.url, `redis://127.0.0.1:${proxy.port}`);

    const socket = await rawConnect(proxy.port);
    assert.equal(await rawPing(socket), '+PONG');
    await waitFor(() => proxy?.connections === 1, { deadlineMs: 2000, description: 'one proxied connection' });
    assert.equal(proxy.cutAll(), 1);
    await closedWithin(socket, 2000);
    assert.equal(proxy.connections, 0);

    await withClient(proxy.url, async (client) => {
      assert.equal(await client.sendCommand(['PING']), 'PONG');
      let reconnected = false;
      client.once('ready', () => (reconnected = true));
      assert.equal(proxy?.cutAll(), 1);
      await waitFor(() => reconnected, { deadlineMs: 5000, description: 'client reconnect' });
      assert.equal(await client.sendCommand(['PING']), 'PONG');
    });
  });

  it('pause() refuses connections until resume()', async () => {
    assert.ok(proxy);
    proxy.pause();
    const refused = await rawConnect(proxy.port);
    await closedWithin(refused, 2000);
    proxy.resume();
    const accepted = await rawConnect(proxy.port);
    assert.equal(await rawPing(accepted), '+PONG');
    accepted.destroy();
  });
});

describe('TLS', () => {
  it('serves TLS with generated certificates', { timeout: 60_000 }, async () => {
    const certs = await makeTlsCerts();
    const server = await RedisServer.start({ tls: { cert: certs.cert, key: certs.key, ca: certs.ca } });
    try {
      assert.equal(server.url, `rediss://127.0.0.1:${server.port}`);
      const port = String(server.port);
      const cliArgs = ['--tls', '--cacert', certs.ca, '-h', server.host, '-p', port, 'PING'];
      const cli = await execFileAsync('redis-cli', cliArgs, { timeout: 10_000 });
      assert.equal(cli.stdout.trim(), 'PONG');
      const client = createClient({ url: server.url, socket: { tls: true, ca: await readFile(certs.ca) } });
      client.on('error', () => undefined);
      await client.connect();
      try {
        assert.equal(await client.sendCommand(['PING']), 'PONG');
      } finally {
        await client.close();
      }
      const mtls = await execFileAsync(
        'redis-cli',
        ['--tls', '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey, '-p', port, 'PING'],
        { timeout: 10_000 },
      );
      assert.equal(mtls.stdout.trim(), 'PONG');
    } finally {
      await server.stop();
      await rm(certs.dir, { recursive: true, force: true });
    }
  });
});

describe('LocalCluster', () => {
  it('forms a 3+3 cluster and fails over when a master is killed', { timeout: 120_000 }, async () => {
    const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
    try {
      assert.equal(cluster.nodes.length, 6);
      for (const node of cluster.nodes) {
        assert.match(String(await node.command('CLUSTER', 'INFO')), /cluster_state:ok/);
      }
      const masters = await cluster.masters();
      assert.equal(masters.length, 3);

      const client = createCluster({ rootNodes: cluster.rootNodes() });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const key = uniqueName('cluster');
        await client.set(key, 'v');
        assert.equal(await client.get(key), 'v');
      } finally {
        await client.close();
      }

      const victim = await cluster.killMaster(0);
      assert.equal(victim.running, false);
      await cluster.waitForFailover(30_000);
      const after = await cluster.masters();
      assert.equal(after.length, 3);
      assert.ok(!after.includes(victim), 'the killed master is no longer a master');
      assert.equal(cluster.rootNodes().length, 5);
    } finally {
      await cluster.stop();
    }
  });
});
