/**
 * Errors: the hierarchy (name, code, retriable, cause), and the mapping of node-redis / Redis
 * errors to streamq errors at the edge — with credentials never in a message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationError, ClosedError, ConnectionError, DecodeError, EncodeError, InvalidOptionError, PayloadTooLargeError,
  RedisCommandError, StreamqError, TimeoutError, UnrecoverableError, WrongTypeError, maskUrl,
} from '../../src/index.js';
import { isAuthFailure, isRedisError, redact, redisErrorCode, toStreamqError } from '../../src/redis-errors.js';

describe('error classes', () => {
  it('have a name, a stable code, a retriable flag and keep their cause', () => {
    const cause = new Error('root');
    const cases: [StreamqError, string, string, boolean][] = [
      [new InvalidOptionError('m'), 'InvalidOptionError', 'ERR_STREAMQ_OPTIONS', false],
      [new EncodeError('m', { cause }), 'EncodeError', 'ERR_STREAMQ_ENCODE', false],
      [new DecodeError('m'), 'DecodeError', 'ERR_STREAMQ_DECODE', false],
      [new PayloadTooLargeError('m'), 'PayloadTooLargeError', 'ERR_STREAMQ_PAYLOAD_TOO_LARGE', false],
      [new ConnectionError('m'), 'ConnectionError', 'ERR_STREAMQ_CONNECTION', true],
      [new AuthenticationError('m'), 'AuthenticationError', 'ERR_STREAMQ_AUTH', false],
      [new WrongTypeError('m'), 'WrongTypeError', 'ERR_STREAMQ_WRONG_TYPE', false],
      [new RedisCommandError('m', 'OOM'), 'RedisCommandError', 'ERR_STREAMQ_REDIS', false],
      [new ClosedError('m'), 'ClosedError', 'ERR_STREAMQ_CLOSED', false],
      [new TimeoutError('m'), 'TimeoutError', 'ERR_STREAMQ_TIMEOUT', true],
      [new UnrecoverableError('m', { retriable: true }), 'UnrecoverableError', 'ERR_STREAMQ_UNRECOVERABLE', false],
    ];
    for (const [error, name, code, retriable] of cases) {
      assert.ok(error instanceof StreamqError && error instanceof Error);
      assert.equal(error.name, name);
      assert.equal(error.code, code);
      assert.equal(error.retriable, retriable, name);
    }
    assert.equal(new EncodeError('m', { cause }).cause, cause);
  });
});

describe('toStreamqError', () => {
  const endpoint = 'redis://127.0.0.1:6379';

  it('maps socket errors to ConnectionError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = toStreamqError(refused, 'XADD', endpoint);
    assert.ok(mapped instanceof ConnectionError);
    assert.equal(mapped.cause, refused);
    class SocketClosedUnexpectedlyError extends Error {}
    assert.ok(toStreamqError(new SocketClosedUnexpectedlyError('Socket closed unexpectedly'), 'XADD', endpoint) instanceof ConnectionError);
  });

  it('unwraps node-redis ReconnectStrategyError (the reconnect strategy gave up) to the failure itself', () => {
    class ReconnectStrategyError extends Error {
      constructor(readonly originalError: Error, readonly socketError: unknown) { super(originalError.message); }
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.ok(toStreamqError(new ReconnectStrategyError(refused, refused), 'connect', endpoint) instanceof ConnectionError);
    const wrongPass = new Error('WRONGPASS invalid username-password pair or user is disabled.');
    assert.ok(toStreamqError(new ReconnectStrategyError(wrongPass, wrongPass), 'connect', endpoint) instanceof AuthenticationError);
  });

  it('maps WRONGPASS / NOAUTH to AuthenticationError and WRONGTYPE to WrongTypeError', () => {
    assert.ok(toStreamqError(new Error('WRONGPASS invalid username-password pair'), 'AUTH', endpoint) instanceof AuthenticationError);
    assert.ok(toStreamqError(new Error('NOAUTH Authentication required.'), 'XADD', endpoint) instanceof AuthenticationError);
    assert.ok(isAuthFailure(new Error('NOAUTH Authentication required.')));
    assert.ok(!isAuthFailure(new Error('ERR unknown command')));
    const wrongType = toStreamqError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'XADD', endpoint);
    assert.ok(wrongType instanceof WrongTypeError);
    assert.match(wrongType.message, /^XADD: /);
  });

  it('maps other Redis errors to RedisCommandError with the Redis code; LOADING/BUSY… are retriable', () => {
    const oom = toStreamqError(new Error("OOM command not allowed when used memory > 'maxmemory'."), 'XADD', endpoint);
    assert.ok(oom instanceof RedisCommandError);
    assert.equal(oom.redisCode, 'OOM');
    assert.equal(oom.retriable, false);
    const loading = toStreamqError(new Error('LOADING Redis is loading the dataset in memory'), 'XADD', endpoint) as RedisCommandError;
    assert.equal(loading.redisCode, 'LOADING');
    assert.equal(loading.retriable, true);
    assert.ok(isRedisError(new RedisCommandError('x', 'NOGROUP'), 'NOGROUP'));
    assert.ok(isRedisError(new Error('BUSYGROUP Consumer Group name already exists'), 'BUSYGROUP'));
    assert.equal(redisErrorCode('ERR syntax error'), 'ERR');
    assert.equal(redisErrorCode('something lower case'), 'ERR');
  });

  it('passes streamq errors through unchanged', () => {
    const error = new ClosedError('closed');
    assert.equal(toStreamqError(error, 'x', endpoint), error);
  });

  it('never puts a password in a message', () => {
    assert.equal(redact('failed for redis://user:hunter2@host:6379/0'), 'failed for redis://user:***@host:6379/0');
    assert.equal(redact('AUTH default hunter2'), 'AUTH ***');
    assert.equal(maskUrl('redis://user:hunter2@host:6379'), 'redis://user:***@host:6379');
    assert.equal(maskUrl('redis://:hunter2@host'), 'redis://:***@host');
    assert.equal(maskUrl('redis://host:6379'), 'redis://host:6379');
    const mapped = toStreamqError(new Error('something broke at redis://u:hunter2@h:1'), 'XADD', maskUrl('redis://u:hunter2@h:1'));
    assert.ok(!mapped.message.includes('hunter2'), mapped.message);
  });
});
