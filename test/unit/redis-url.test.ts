/**
 * The `redis` option, checked at construction: a value that is not a URL, options or a client, a
 * URL with an unknown scheme or a malformed one is refused by every constructor with an
 * InvalidOptionError that shows the URL as typed but for its password; every form node-redis (or
 * streamq's multi-host forms) accepts is still accepted. And maskUrl, over odd inputs, removes
 * the password and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createClient } from 'redis';
import {
  Admin, Consumer, InvalidOptionError, maskUrl, MetricsRegistry, PartitionedConsumer, PartitionedProducer, Producer, type RedisOption,
} from '../../src/index.js';

/** Builds each kind of client with `redis`; returns the error each threw (or undefined). */
function buildAll(redis: unknown): unknown[] {
  const builders = [
    () => new Producer({ stream: 's', redis: redis as RedisOption, registry: new MetricsRegistry() }),
    () => new Consumer({ stream: 's', group: 'g', redis: redis as RedisOption, registry: new MetricsRegistry() }),
    () => new Admin({ redis: redis as RedisOption }),
    () => new PartitionedProducer({ stream: 's', partitions: 2, redis: redis as RedisOption }),
    () => new PartitionedConsumer({ stream: 's', partitions: 2, group: 'g', redis: redis as RedisOption, handler: () => undefined }),
  ];
  return builders.map((build) => {
    try {
      build();
      return undefined;
    } catch (error) {
      return error;
    }
  });
}

/** Asserts that every constructor refuses `redis` with an InvalidOptionError matching `message`, never showing `secret`. */
function refusedEverywhere(redis: unknown, message: string | RegExp, secret?: string): void {
  for (const error of buildAll(redis)) {
    assert.ok(error instanceof InvalidOptionError, `${String(redis)}: expected InvalidOptionError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    if (secret !== undefined) assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret), error.message);
    assert.equal(error.cause, undefined, 'node\'s URL error (whose `input` holds the password) is not kept');
  }
}

describe('the redis option is checked in the constructor', () => {
  it('a value that is no URL, options or client', () => {
    refusedEverywhere(42, 'Expected `redis` to be a URL, node-redis client options or a node-redis client, got 42');
    refusedEverywhere(null, 'Expected `redis` to be a URL, node-redis client options or a node-redis client, got null');
    refusedEverywhere(['redis://h'], 'Expected `redis` to be a URL, node-redis client options or a node-redis client, got an array');
    refusedEverywhere({ url: 42 }, 'Expected `redis.url` to be a string, got 42');
    refusedEverywhere({ rootNodes: 'h:1' }, 'Expected `redis.rootNodes` to be an array, got "h:1"');
  });

  it('an unknown scheme, shown as typed but for the password, with a suggestion when close', () => {
    const schemes = 'redis://, rediss://, redis+cluster://, rediss+cluster://, redis+sentinel://, rediss+sentinel://, unix://';
    refusedEverywhere('reddis://user:secret@host:6379',
      `Expected \`redis\` to be a URL with one of the schemes ${schemes}, got "reddis://user:***@host:6379": did you mean redis://?`, 'secret');
    refusedEverywhere('http://user:secret@host', `Expected \`redis\` to be a URL with one of the schemes ${schemes}, got "http://user:***@host"`, 'secret');
    refusedEverywhere('redis+clustr://h:1', /got "redis\+clustr:\/\/h:1": did you mean redis\+cluster:\/\/\?$/);
    refusedEverywhere('localhost:6379', `Expected \`redis\` to be a URL such as redis://127.0.0.1:6379 (one of ${schemes}), got "localhost:6379"`);
    refusedEverywhere(':secret@localhost:6379', /got ":\*\*\*@localhost:6379"$/, 'secret');
  });

  it('a malformed URL, never showing its password', () => {
    refusedEverywhere('redis://host:notaport', 'Invalid Redis URL in `redis`: "redis://host:notaport" (Invalid URL); expected redis://[[user]:password@]host[:port][/db]');
    refusedEverywhere('redis://host:6379/abc', 'Invalid Redis URL in `redis`: "redis://host:6379/abc" (Invalid pathname); expected redis://[[user]:password@]host[:port][/db]');
    for (const secret of ['pa/ss#word-9xQ', 'pa/ss-word-9xQ', 'p@ss:w/rd?9xQ']) {
      refusedEverywhere(`redis://:${secret}@127.0.0.1:1`, /^Invalid Redis URL in `redis`: "redis:\/\/:\*\*\*@127\.0\.0\.1:1"/, secret);
    }
    refusedEverywhere('unix://relative/path', /^Invalid Redis URL in `redis`: "unix:\/\/relative\/path" \(Invalid unix URL\); expected unix:\/\//);
    refusedEverywhere('redis+sentinel://u:secret@h:26379', /^Expected the master name in Redis URL redis\+sentinel:\/\/u:\*\*\*@h:26379/, 'secret');
    refusedEverywhere('redis+cluster://h:99999', /^Cannot parse host "h:99999" in Redis URL/);
    refusedEverywhere({ url: 'reddis://h' }, /^Expected `redis.url` to be a URL with one of the schemes/);
    refusedEverywhere({ rootNodes: [{ url: 'redis://h:1' }, { url: 'redis://h:x' }] }, /^Invalid Redis URL in `redis.rootNodes\[1\].url`/);
  });

  it('REDIS_URL, the default when `redis` is not given, is checked too', () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'reddis://u:secret@h';
    try {
      refusedEverywhere(undefined, /^Expected `REDIS_URL` to be a URL with one of the schemes .*, got "reddis:\/\/u:\*\*\*@h": did you mean redis:\/\/\?$/, 'secret');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it('every form node-redis accepts is still accepted (nothing connects at construction)', () => {
    const accepted: unknown[] = [
      'redis://127.0.0.1:6379', 'redis://user:p%40ss@host:6380/2', 'rediss://host', 'REDIS://HOST:1', 'redis://[::1]:6379', 'redis://',
      'redis+cluster://u:p@h1:7000,h2:7001', 'rediss+cluster://[::1]:7000', 'redis+sentinel://h1:26379,h2:26379/mymaster',
      'rediss+sentinel://u:p@h:26379/m', 'unix:///var/run/redis.sock', 'unix://u:p@/tmp/redis.sock?db=2',
      { socket: { host: '127.0.0.1', port: 6379 } }, { url: 'redis://h:1', password: 'x' }, { socket: { path: '/tmp/redis.sock' } },
      { rootNodes: [{ url: 'redis://h:7000' }] }, { rootNodes: [{ socket: { host: 'h', port: 7000 } }] },
      { name: 'mymaster', sentinelRootNodes: [{ host: 'h', port: 26379 }] },
      createClient({ url: 'redis://127.0.0.1:1' }), // an existing client, not connected yet: checked when used
    ];
    for (const redis of accepted) {
      assert.deepEqual(buildAll(redis), [undefined, undefined, undefined, undefined, undefined], JSON.stringify(redis));
    }
  });
});

describe('maskUrl', () => {
  it('removes the password and nothing else, over odd inputs', () => {
    const cases: [string, string][] = [
      ['reddis://user:secret@host', 'reddis://user:***@host'],
      ['redis://user:secret@host:6379/0', 'redis://user:***@host:6379/0'],
      ['redis://:secret@host', 'redis://:***@host'],
      ['redis://user@host', 'redis://***@host'],
      ['redis://host:6379', 'redis://host:6379'],
      ['redis://p@ss@word@host:1', 'redis://***@host:1'],
      ['redis://u:p@ss@word@host:1', 'redis://u:***@host:1'],
      ['redis://u:pa/ss#w?o@rd@host:1/2', 'redis://u:***@host:1/2'],
      ['u:secret@host:6379', 'u:***@host:6379'],
      ['localhost:6379', 'localhost:6379'],
      ['redis://u:secret@[::1]:6379', 'redis://u:***@[::1]:6379'],
      ['redis://[::1]:6379', 'redis://[::1]:6379'],
      ['rediss+cluster://u:secret@h1:1,h2:2', 'rediss+cluster://u:***@h1:1,h2:2'],
      ['unix://u:secret@/tmp/redis.sock', 'unix://u:***@/tmp/redis.sock'],
      ['redis://u:multi\nline@host', 'redis://u:***@host'],
      ['', ''],
    ];
    for (const [url, masked] of cases) assert.equal(maskUrl(url), masked, url);
  });

  it('property: scheme, user and host stay exactly as typed; the password never shows (3000 cases)', () => {
    const scheme = fc.constantFrom('', 'redis://', 'rediss://', 'reddis://', 'http://', 'redis+cluster://', 'unix://', 'x-y.z://');
    const user = fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/);
    const password = fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom(...'ab:/@#?%!*[]\\ é'.split('')) })
      .filter((p) => p !== '***');
    const host = fc.constantFrom('host', 'h:6379', '127.0.0.1:1', '[::1]:6379', '[fe80::1%25eth0]:7000', 'h1:1,h2:2', '/tmp/redis.sock', 'h:1/0?x=y');
    // Without a scheme, `user:` followed by a password starting with `//` reads as a scheme
    // (`A://a@host` is the URL of user `a` at `host`): ambiguous by nature, so not generated.
    const unambiguous = (s: string, u: string, p: string): boolean => s !== '' || !p.startsWith('//') || !/^[a-z][a-z0-9+.-]*$/i.test(u);
    fc.assert(fc.property(scheme, user, password, host, (s, u, p, h) => {
      fc.pre(unambiguous(s, u, p));
      const masked = maskUrl(`${s}${u}:${p}@${h}`);
      assert.equal(masked, `${s}${u}:***@${h}`);
    }), { numRuns: 3000 });
  });

  it('property: a URL without "@" is returned unchanged (1000 cases)', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('@')), (s) => {
      assert.equal(maskUrl(s), s);
    }), { numRuns: 1000 });
  });
});
