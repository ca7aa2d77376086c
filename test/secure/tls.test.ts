/**
 * TLS: streamq over `rediss://` with node-redis socket options `{ tls: true, ca, cert, key }`,
 * against redis-server on --tls-port with certificates from makeTlsCerts(): producer, consumer
 * and admin work; an unknown CA, a missing client certificate (when the server requires one) and
 * plain text against the TLS port are refused with a ConnectionError. Also a 3-master TLS
 * cluster through `rediss+cluster://`-style options.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { RedisClientOptions } from 'redis';
import { Admin, ConnectionError, Consumer, MetricsRegistry, Producer } from '../../src/index.js';
import { parseRedisUrl } from '../../src/connection.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { makeTlsCerts, type TlsCerts } from '../support/tls-certs.js';

let certs: TlsCerts;
let server: RedisServer;
let strict: RedisServer;

before(async () => {
  certs = await makeTlsCerts();
  const tls = { cert: certs.cert, key: certs.key, ca: certs.ca };
  [server, strict] = await Promise.all([RedisServer.start({ tls }), RedisServer.start({ tls })]);
  // Required client certificates from now on (the start-up probe of the test support has none).
  await strict.command('CONFIG', 'SET', 'tls-auth-clients', 'yes');
});
after(async () => {
  await Promise.all([server?.stop(), strict?.stop()]);
  if (certs) await rm(certs.dir, { recursive: true, force: true });
});

/** node-redis options for a TLS server: the `rediss://` URL plus CA (and optionally a client certificate). */
function tlsOptions(target: RedisServer, withClientCert: boolean): RedisClientOptions {
  const socket: Record<string, unknown> = { tls: true, ca: readFileSync(certs.ca) };
  if (withClientCert) {
    socket.cert = readFileSync(certs.clientCert);
    socket.key = readFileSync(certs.clientKey);
  }
  return { url: target.url, socket } as RedisClientOptions;
}

async function roundTrip(redis: RedisClientOptions): Promise<void> {
  const stream = uniqueName('tls');
  const producer = new Producer<{ n: number }>({ stream, redis, registry: new MetricsRegistry() });
  const got: number[] = [];
  const consumer = new Consumer<{ n: number }>({ stream, group: 'g', redis, blockMs: 200, registry: new MetricsRegistry(), handler: (msg) => { got.push(msg.data.n); } });
  const admin = new Admin({ redis });
  try {
    await producer.send({ n: 1 });
    await producer.sendMany([{ n: 2 }, { n: 3 }]);
    await consumer.start();
    await waitFor(() => got.length === 3, { deadlineMs: 10_000, description: '3 messages over TLS' });
    await consumer.onIdle();
    assert.deepEqual(got.sort(), [1, 2, 3]);
    assert.equal((await admin.stats(stream)).groups[0]?.pending, 0);
  } finally {
    await consumer.close();
    await producer.close();
    await admin.close();
  }
}

async function refused(redis: RedisClientOptions | string): Promise<Error> {
  const producer = new Producer({ stream: 's', redis, connectTimeoutMs: 1_500, registry: new MetricsRegistry() });
  producer.on('error', () => undefined);
  try {
    return await producer.connect().then(() => assert.fail('expected the connection to be refused'), (error: Error) => error);
  } finally {
    await producer.close();
  }
}

describe('TLS', { timeout: 100_000 }, () => {
  it('serves TLS only on the rediss:// URL', () => {
    assert.match(server.url, /^rediss:\/\/127\.0\.0\.1:\d+$/);
  });

  it('produces and consumes over TLS with the CA', async () => {
    await roundTrip(tlsOptions(server, false));
  });

  it('refuses a server certificate from an unknown CA', async (t) => {
    const error = await refused({ url: server.url, socket: { tls: true } } as RedisClientOptions);
    assert.ok(error instanceof ConnectionError, `${error.name}: ${error.message}`);
    t.diagnostic(error.message);
  });

  it('refuses plain text against the TLS port', async (t) => {
    const error = await refused(server.url.replace('rediss://', 'redis://'));
    assert.ok(error instanceof ConnectionError, `${error.name}: ${error.message}`);
    t.diagnostic(error.message);
  });

  it('uses a client certificate when the server requires one (and fails without)', async (t) => {
    const error = await refused(tlsOptions(strict, false));
    assert.ok(error instanceof ConnectionError, `${error.name}: ${error.message}`);
    t.diagnostic(error.message);
    await roundTrip(tlsOptions(strict, true));
  });
});

describe('TLS cluster', { timeout: 100_000 }, () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeOptions: { tls: { cert: certs.cert, key: certs.key, ca: certs.ca } } });
  });
  after(() => cluster?.stop());

  it('produces and consumes on a TLS cluster (rediss+cluster:// form plus the CA)', async () => {
    const url = `rediss+cluster://${cluster.rootNodes().map((n) => n.url.replace('rediss://', '')).join(',')}`;
    const options = parseRedisUrl(url) as { rootNodes: { url: string }[]; defaults: { socket: Record<string, unknown> } };
    options.defaults.socket.ca = readFileSync(certs.ca);
    const stream = uniqueName('tls-cluster');
    const producer = new Producer<{ n: number }>({ stream, redis: options, registry: new MetricsRegistry() });
    const got: number[] = [];
    const consumer = new Consumer<{ n: number }>({ stream, group: 'g', redis: options, blockMs: 200, registry: new MetricsRegistry(), handler: (msg) => { got.push(msg.data.n); } });
    try {
      await producer.sendMany(Array.from({ length: 20 }, (_u, n) => ({ n })));
      await consumer.start();
      await waitFor(() => got.length === 20, { deadlineMs: 10_000, description: '20 messages on the TLS cluster' });
    } finally {
      await consumer.close();
      await producer.close();
    }
  });
});
