/**
 * Least-privilege Redis ACL users (docs/security.md): a producer-only user can send (XADD and the
 * send scripts) but cannot read, acknowledge or delete; a consumer user can consume (group
 * creation, reads, acks, retries, dead letters, reclaim, close) but cannot delete the stream.
 * Wrong credentials give an AuthenticationError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { Admin, AuthenticationError, Consumer, fixedBackoff, MetricsRegistry, Producer, RedisCommandError } from '../../src/index.js';
import { PartitionedConsumer, PartitionedProducer } from '../../src/partitioned.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';

const ADMIN_PASSWORD = 'admin-secret';
let server: RedisServer;
const stream = uniqueName('orders');

/** Key patterns of one stream: the stream itself and its auxiliary keys (`{stream}:…`). */
const keyPatterns = (name: string): string[] => [`~${name}`, `~{${name}}:*`];

/** The producer's ACL rules (see docs/security.md). */
const PRODUCER_RULES = [
  'resetkeys', ...keyPatterns(stream), 'resetchannels', '-@all',
  '+ping', '+xadd', '+evalsha', '+eval',
];

/** The consumer's ACL rules (see docs/security.md). */
const CONSUMER_RULES = [
  'resetkeys', ...keyPatterns(stream), 'resetchannels', '-@all',
  '+ping', '+client|id', '+client|unblock',
  '+xgroup|create', '+xreadgroup', '+xack', '+xclaim', '+xautoclaim', '+xpending', '+xrange', '+xadd', '+type',
  '+evalsha', '+eval', '+zrangebyscore', '+zrange', '+zrem',
  '+hget', '+hdel', '+time', '+exists', '+xinfo|consumers', '+xgroup|delconsumer',
];

/** Partitioned stream for the ordered-consumer user. */
const partitioned = uniqueName('porders');

/**
 * An ordered partitioned consumer: the consumer's rules on every partition (`name:*`) and its
 * auxiliary keys, TIME for the membership script, and two selectors that allow the lease and
 * membership commands (DEL and SET among them) on the lease and members keys only.
 */
const ORDERED_RULES = [
  'resetkeys', `~${partitioned}:*`, `~{${partitioned}:*}:*`, `~{${partitioned}}:*`, 'resetchannels', '-@all',
  ...CONSUMER_RULES.filter((rule) => rule.startsWith('+')), '+time',
  `(~{${partitioned}:*}:lease:* +get +set +pexpire +del)`,
  `(~{${partitioned}}:members:* +zadd +zrem +zremrangebyscore +zrange +pexpire)`,
];

const urlFor = (user: string, password: string) => `redis://${user}:${password}@127.0.0.1:${server.port}`;

before(async () => {
  server = await RedisServer.start({ password: ADMIN_PASSWORD });
  await server.command('ACL', 'SETUSER', 'producer', 'reset', 'on', '>producer-secret', ...PRODUCER_RULES);
  await server.command('ACL', 'SETUSER', 'consumer', 'reset', 'on', '>consumer-secret', ...CONSUMER_RULES);
  await server.command('ACL', 'SETUSER', 'ordered', 'reset', 'on', '>ordered-secret', ...ORDERED_RULES);
});
after(() => server?.stop());

/** Denials Redis logged for `user` (ACL LOG), as "command on object" strings. */
async function deniedFor(user: string): Promise<string[]> {
  const log = await server.command('ACL', 'LOG') as unknown as unknown[][];
  return log.map((entry) => {
    const fields = new Map<string, unknown>();
    for (let i = 0; i < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    return fields.get('username') === user ? `${String(fields.get('reason'))}: ${String(fields.get('object'))}` : undefined;
  }).filter((line): line is string => line !== undefined);
}

/** Runs a raw command as `user`; resolves with the Redis error (or fails if it succeeded). */
async function refusedAs(user: string, password: string, ...args: string[]): Promise<string> {
  const client = createClient({ url: urlFor(user, password), RESP: 2 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand(args).then(() => assert.fail(`${user} was allowed to run ${args.join(' ')}`), (error: Error) => error.message);
  } finally {
    await client.close();
  }
}

describe('ACL: producer-only user', { timeout: 100_000 }, () => {
  it('sends with send and sendMany', async () => {
    await server.command('ACL', 'LOG', 'RESET');
    const producer = new Producer<{ n: number }>({ stream, redis: urlFor('producer', 'producer-secret'), registry: new MetricsRegistry() });
    try {
      assert.match(await producer.send({ n: 0 }), /^\d+-\d+$/);
      assert.equal((await producer.sendMany(Array.from({ length: 19 }, (_u, i) => ({ n: i + 1 })))).length, 19);
    } finally {
      await producer.close();
    }
    assert.deepEqual(await deniedFor('producer'), [], 'Redis denied the producer nothing');
  });

  it('cannot read, acknowledge or delete, nor touch other keys', async () => {
    for (const args of [
      ['XRANGE', stream, '-', '+'],
      ['XREAD', 'STREAMS', stream, '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', stream, '>'],
      ['XACK', stream, 'g', '0-1'],
      ['XGROUP', 'CREATE', stream, 'g', '0'],
      ['DEL', stream],
      ['XDEL', stream, '0-1'],
      ['XTRIM', stream, 'MAXLEN', '0'],
      ['XADD', 'another-stream', '*', 'd', '1'],
    ]) {
      assert.match(await refusedAs('producer', 'producer-secret', ...args), /^NOPERM/, args.join(' '));
    }
    assert.ok((await deniedFor('producer')).some((line) => /del/.test(line)), 'ACL LOG records the denials');
  });

  it('cannot consume (the group creation is refused with NOPERM)', async () => {
    const consumer = new Consumer({ stream, group: 'g', redis: urlFor('producer', 'producer-secret'), registry: new MetricsRegistry(), handler: () => undefined });
    const error = await consumer.start().then(() => assert.fail('expected NOPERM'), (e: unknown) => e);
    assert.ok(error instanceof RedisCommandError && error.redisCode === 'NOPERM', String(error));
    await consumer.close();
  });
});

describe('ACL: consumer user', { timeout: 100_000 }, () => {
  it('consumes with acks, retries and dead letters, and closes cleanly', async () => {
    await server.command('ACL', 'LOG', 'RESET');
    const handled = new Set<number>();
    const deadLetters: string[] = [];
    const consumer = new Consumer<{ n: number }>({
      stream, group: 'g', redis: urlFor('consumer', 'consumer-secret'), maxDeliveries: 2, backoff: fixedBackoff(20),
      visibilityTimeoutMs: 500, reclaimIntervalMs: 100, blockMs: 200, registry: new MetricsRegistry(),
      handler: (msg) => {
        if (msg.data.n === 7) throw new Error('poison');
        if (msg.data.n % 5 === 1 && msg.deliveries === 1) throw new Error('transient');
        handled.add(msg.data.n);
      },
    });
    const errors: Error[] = [];
    consumer.on('error', (error: Error) => errors.push(error));
    consumer.on('deadLetter', ({ id }: { id: string }) => deadLetters.push(id));
    try {
      await consumer.start();
      await waitFor(() => handled.size === 19 && deadLetters.length === 1, { deadlineMs: 15_000, description: '19 handled, 1 dead letter' });
      await consumer.onIdle();
    } finally {
      await consumer.close();
    }
    assert.deepEqual(errors.map((e) => e.message), [], 'no permission errors while consuming');
    assert.deepEqual(await deniedFor('consumer'), [], 'Redis denied the consumer nothing (CLIENT UNBLOCK at close included)');
    const admin = new Admin({ redis: server.url });
    try {
      const stats = await admin.stats(stream);
      assert.equal(stats.groups[0]?.pending, 0);
      assert.equal(stats.deadLetters, 1);
    } finally {
      await admin.close();
    }
  });

  it('cannot delete the stream, trim it or destroy the group', async () => {
    for (const args of [
      ['DEL', stream],
      ['UNLINK', stream],
      ['XTRIM', stream, 'MAXLEN', '0'],
      ['XDEL', stream, '0-1'],
      ['XGROUP', 'DESTROY', stream, 'g'],
      ['FLUSHALL'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'another-stream', '>'],
    ]) {
      assert.match(await refusedAs('consumer', 'consumer-secret', ...args), /^NOPERM/, args.join(' '));
    }
  });
});

describe('ACL: ordered partitioned consumer user', { timeout: 100_000 }, () => {
  it('consumes in order per key with leases, and cannot delete the partitions or clobber other keys', async () => {
    await server.command('ACL', 'LOG', 'RESET');
    const producer = new PartitionedProducer<{ key: string; seq: number }>({ stream: partitioned, partitions: 2, redis: server.url, registry: new MetricsRegistry() });
    const keys = ['a', 'b', 'c', 'd'];
    const done = new Map<string, number[]>(keys.map((k) => [k, []]));
    const consumer = new PartitionedConsumer<{ key: string; seq: number }>({
      stream: partitioned, partitions: 2, group: 'g', ordered: true, leaseTtlMs: 1_000, redis: urlFor('ordered', 'ordered-secret'),
      blockMs: 200, registry: new MetricsRegistry(), handler: (msg) => { done.get(msg.data.key)?.push(msg.data.seq); },
    });
    const errors: Error[] = [];
    consumer.on('error', (error: Error) => errors.push(error));
    try {
      for (let seq = 0; seq < 10; seq++) await producer.sendMany(keys.map((key) => ({ key, seq })), { key: (item) => item.key });
      await consumer.start();
      await waitFor(() => [...done.values()].every((list) => list.length === 10), { deadlineMs: 15_000, description: '40 messages in order' });
      for (const key of keys) assert.deepEqual(done.get(key), Array.from({ length: 10 }, (_u, i) => i));
    } finally {
      await consumer.close();
      await producer.close();
    }
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.deepEqual(await deniedFor('ordered'), [], 'Redis denied the ordered consumer nothing (leases, membership, release at close)');
    for (const args of [
      ['DEL', `${partitioned}:0`],
      ['SET', `{${partitioned}:0}:dead`, 'clobbered'],
      ['DEL', `{${partitioned}}:members:g`],
      ['XTRIM', `${partitioned}:1`, 'MAXLEN', '0'],
    ]) {
      assert.match(await refusedAs('ordered', 'ordered-secret', ...args), /^NOPERM/, args.join(' '));
    }
  });
});

describe('ACL: credentials', { timeout: 100_000 }, () => {
  it('reports a wrong password as an AuthenticationError', async () => {
    const producer = new Producer({ stream, redis: urlFor('producer', 'wrong'), connectTimeoutMs: 2_000, registry: new MetricsRegistry() });
    producer.on('error', () => undefined);
    try {
      const error = await producer.connect().then(() => assert.fail('expected an AuthenticationError'), (e: unknown) => e);
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.doesNotMatch((error as Error).message, /wrong/, 'the password is not in the message');
    } finally {
      await producer.close();
    }
  });
});
