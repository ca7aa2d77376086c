/**
 * Bad input gets a clear error and loses nothing: unencodable payloads are refused before
 * anything is added; a key of another type at the stream's name gives WrongTypeError naming it;
 * unreachable, non-Redis and password-protected endpoints give ConnectionError /
 * AuthenticationError within `connectTimeoutMs`, with no password in any message.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  Admin, AuthenticationError, ConnectionError, Consumer, EncodeError, PayloadTooLargeError, Producer, WrongTypeError,
} from '../../src/index.js';
import { freePort } from '../support/free-port.js';
import { RedisServer, uniqueName, type UsedRedis } from '../support/redis-server.js';
import { Bag, cmd, fast, xlen, type RawClient, closeFileRedis, openFileRedis } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

/** A TCP server that is not Redis: `behaviour` decides what it does with each connection. */
async function fakeServer(behaviour: (socket: Socket) => void): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    behaviour(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `redis://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Runs `fn`, expecting a rejection; returns the error and how long it took. */
async function timedRejection(fn: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const t0 = Date.now();
  try {
    await fn();
  } catch (error) {
    return { error: error as Error, ms: Date.now() - t0 };
  }
  assert.fail('expected a rejection');
}

const CONNECT_TIMEOUT_MS = 1000;
/** Slack over connectTimeoutMs for timers and a first-use module load. */
const SLACK_MS = 1500;

describe('unencodable payloads', () => {
  it('send of a BigInt or circular payload rejects with EncodeError and adds nothing', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('encode');
      const producer = bag.add(new Producer<unknown>({ stream, redis: redis.url, maxPayloadBytes: 1000 }));
      await producer.send('first');
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await assert.rejects(producer.send({ amount: 10n }), (error: Error) => error instanceof EncodeError && /BigInt/.test(error.message));
      await assert.rejects(producer.send(circular), (error: Error) => error instanceof EncodeError && /circular/i.test(error.message));
      await assert.rejects(producer.send(undefined), EncodeError);
      await assert.rejects(producer.send('x', { headers: { n: 1 } as never }), EncodeError);
      await assert.rejects(producer.send('x'.repeat(2000)), PayloadTooLargeError);
      // sendMany checks every payload first: one bad one, none sent.
      await assert.rejects(producer.sendMany([1, 2, 3n, 4]), EncodeError);
      await assert.rejects(producer.send('later', { delayMs: 100, headers: 5 as never }), EncodeError);
      assert.equal(await xlen(raw, stream), 1);
      assert.equal(producer.metrics.counters.sent, 1);
    } finally {
      await bag.closeAll();
    }
  });
});

describe('a key of the wrong type at the stream name', () => {
  it('consumer.start() rejects with WrongTypeError naming the key; producer.send rejects with WrongTypeError', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('wrongtype');
      await cmd(raw, 'SET', stream, 'I am a string');
      const consumer = new Consumer({ ...fast(redis.url), stream, group: 'g', handler: () => undefined });
      const { error } = await timedRejection(() => consumer.start());
      assert.ok(error instanceof WrongTypeError, String(error));
      assert.equal((error as WrongTypeError).code, 'ERR_STREAMQ_WRONG_TYPE');
      assert.ok(error.message.includes(`"${stream}"`), error.message);
      assert.match(error.message, /holds a string, not a stream/);
      await consumer.close();

      const producer = bag.add(new Producer({ stream, redis: redis.url }));
      await assert.rejects(producer.send({ a: 1 }), WrongTypeError);
      await assert.rejects(producer.sendMany([1, 2]), WrongTypeError);
      assert.equal(await cmd(raw, 'GET', stream), 'I am a string', 'the key was left alone');
    } finally {
      await bag.closeAll();
    }
  });
});

describe('endpoints', () => {
  it('an unreachable endpoint (nothing listening) → ConnectionError within connectTimeoutMs', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const consumer = new Consumer({ ...fast(url), stream: 's', group: 'g', connectTimeoutMs: CONNECT_TIMEOUT_MS, handler: () => undefined });
    const fromConsumer = await timedRejection(() => consumer.start());
    assert.ok(fromConsumer.error instanceof ConnectionError, String(fromConsumer.error));
    assert.ok(fromConsumer.ms < CONNECT_TIMEOUT_MS + SLACK_MS, `took ${fromConsumer.ms} ms`);
    assert.ok(fromConsumer.error.message.includes(`127.0.0.1:${port}`), fromConsumer.error.message);
    await consumer.close();
    const producer = new Producer({ stream: 's', redis: url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const fromProducer = await timedRejection(() => producer.send(1));
    assert.ok(fromProducer.error instanceof ConnectionError, String(fromProducer.error));
    assert.ok(fromProducer.ms < CONNECT_TIMEOUT_MS + SLACK_MS, `took ${fromProducer.ms} ms`);
    await producer.close();
    const admin = new Admin({ redis: url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    await assert.rejects(admin.stats('s'), ConnectionError);
    await admin.close();
  });

  it('a non-Redis endpoint that writes garbage → ConnectionError within the timeout', async () => {
    const fake = await fakeServer((socket) => {
      socket.write('SSH-2.0-OpenSSH_9.0\r\n');
      socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    try {
      const producer = new Producer({ stream: 's', redis: fake.url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
      const { error, ms } = await timedRejection(() => producer.connect());
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(ms < CONNECT_TIMEOUT_MS + SLACK_MS, `took ${ms} ms`);
      await producer.close();
    } finally {
      await fake.close();
    }
  });

  it('a non-Redis endpoint that accepts and says nothing → ConnectionError within the timeout', async () => {
    const fake = await fakeServer(() => undefined);
    try {
      const consumer = new Consumer({ ...fast(fake.url), stream: 's', group: 'g', connectTimeoutMs: CONNECT_TIMEOUT_MS, handler: () => undefined });
      const { error, ms } = await timedRejection(() => consumer.start());
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(ms >= CONNECT_TIMEOUT_MS - 50 && ms < CONNECT_TIMEOUT_MS + SLACK_MS, `took ${ms} ms`);
      await consumer.close();
    } finally {
      await fake.close();
    }
  });

  it('a non-Redis endpoint that hangs up at once → ConnectionError within the timeout', async () => {
    const fake = await fakeServer((socket) => socket.destroy());
    try {
      const producer = new Producer({ stream: 's', redis: fake.url, connectTimeoutMs: CONNECT_TIMEOUT_MS });
      const { error, ms } = await timedRejection(() => producer.send('x'));
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(ms < CONNECT_TIMEOUT_MS + SLACK_MS, `took ${ms} ms`);
      await producer.close();
    } finally {
      await fake.close();
    }
  });

  it('a wrong or missing password → AuthenticationError (at once) whose message does not contain the password', async () => {
    const PASSWORD = 'correct-horse-battery-staple';
    const WRONG = 'tr0ub4dor-and-3';
    const server = await RedisServer.start({ password: PASSWORD });
    try {
      const wrongUrl = `redis://:${WRONG}@127.0.0.1:${server.port}`;
      const consumer = new Consumer({ ...fast(wrongUrl), stream: 's', group: 'g', connectTimeoutMs: 5000, handler: () => undefined });
      const fromConsumer = await timedRejection(() => consumer.start());
      assert.ok(fromConsumer.error instanceof AuthenticationError, String(fromConsumer.error));
      assert.equal((fromConsumer.error as AuthenticationError).code, 'ERR_STREAMQ_AUTH');
      assert.ok(fromConsumer.ms < 2500, `took ${fromConsumer.ms} ms: refused credentials are not retried until the timeout`);
      for (const secret of [WRONG, PASSWORD]) assert.ok(!fromConsumer.error.message.includes(secret), fromConsumer.error.message);
      await consumer.close();

      const producer = new Producer({ stream: 's', redis: wrongUrl, connectTimeoutMs: 5000 });
      const fromProducer = await timedRejection(() => producer.send(1));
      assert.ok(fromProducer.error instanceof AuthenticationError, String(fromProducer.error));
      assert.ok(!fromProducer.error.message.includes(WRONG));
      assert.ok(!String(fromProducer.error.stack).includes(WRONG));
      await producer.close();

      const noPassword = new Admin({ redis: `redis://127.0.0.1:${server.port}`, connectTimeoutMs: 5000 });
      await assert.rejects(noPassword.stats('s'), AuthenticationError);
      await noPassword.close();

      const good = new Producer({ stream: uniqueName('auth-ok'), redis: server.url });
      assert.match(await good.send('ok'), /^\d+-\d+$/);
      await good.close();
    } finally {
      await server.stop();
    }
  });
});
