/**
 * The gates' options, validated in the Consumer's constructor (no server needed), and how a key
 * function's result becomes a key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Consumer, InvalidOptionError, Message, MetricsRegistry, PartitionedConsumer, type ConsumerOptions } from '../../src/index.js';
import { keyOf } from '../../src/admission/limits.js';

const base = { stream: 's', group: 'g', redis: 'redis://127.0.0.1:1', registry: new MetricsRegistry(), handler: () => undefined };
const refuses = (extra: Record<string, unknown>, message: RegExp | string): void => {
  assert.throws(() => new Consumer({ ...base, ...extra } as ConsumerOptions<unknown>), (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, String(error));
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
};

describe('gate options', () => {
  it('accepts a group limit, a per-key limit, or one of each', () => {
    const key = (msg: Message<unknown>) => msg.headers.tenant;
    for (const rateLimit of [{ max: 200, perMs: 1000 }, { max: 10, perMs: 1000, key }, [{ max: 200, perMs: 1000 }, { max: 10, perMs: 1000, key }]]) {
      assert.doesNotThrow(() => new Consumer({ ...base, rateLimit }));
    }
    assert.doesNotThrow(() => new Consumer({ ...base, groupBy: key }));
    assert.doesNotThrow(() => new Consumer({ ...base, groupBy: key, perKeyConcurrency: 3, limitScope: 'shared' }));
    assert.doesNotThrow(() => new PartitionedConsumer({ ...base, partitions: 4, rateLimit: { max: 5, perMs: 100 }, groupBy: key }));
  });

  it('refuses bad limits with messages naming the option', () => {
    refuses({ rateLimit: { max: 0, perMs: 1000 } }, 'Expected `rateLimit.max` to be an integer from 1 and up, got 0');
    refuses({ rateLimit: { max: 10, perMs: 1.5 } }, /^Expected `rateLimit.perMs` to be an integer from 1 to \d+, got 1.5$/);
    refuses({ rateLimit: [{ max: 1, perMs: 1 }, { max: 10, perMs: 'x' }] }, /^Expected `rateLimit\[1\]\.perMs` to be an integer/);
    refuses({ rateLimit: { max: 10, perMs: 1000, key: 'tenant' } }, 'Expected `rateLimit.key` to be a function, got "tenant"');
    refuses({ rateLimit: { max: 10, perMS: 1000 } }, 'Unknown option `rateLimit.perMS`: did you mean `perMs`?');
    refuses({ rateLimit: 200 }, 'Expected `rateLimit` to be an object like { max: 100, perMs: 1000 }, got 200');
    refuses({ rateLimit: [] }, 'Expected `rateLimit` to hold one group limit and/or one per-key limit (with `key`), got 0 group and 0 per-key limits');
    refuses({ rateLimit: [{ max: 1, perMs: 1 }, { max: 2, perMs: 2 }] }, /got 2 group and 0 per-key limits/);
    refuses({ perKeyConcurrency: 2 }, 'Expected `groupBy` with `perKeyConcurrency` (which key do messages share a limit by?), got none');
    refuses({ groupBy: () => 'k', perKeyConcurrency: 0 }, 'Expected `perKeyConcurrency` to be an integer from 1 to 1000000, got 0');
    refuses({ groupBy: 'tenant' }, 'Expected `groupBy` to be a function, got "tenant"');
    refuses({ limitScope: '' }, 'Expected `limitScope` to be a non-empty string, got ""');
    refuses({ perKeyConcurency: 2 }, 'Unknown option `perKeyConcurency`: did you mean `perKeyConcurrency`?');
  });

  it('turns a key function\'s result into a key, or none with the reason reported', () => {
    const message = new Message({ id: '1-0', stream: 's', group: 'g', priority: 'default', data: null, headers: { tenant: 'acme' }, deliveries: 1, foreign: false, flat: [], owner: { settle: () => undefined, renew: async () => undefined } });
    const errors: Error[] = [];
    const onError = (error: Error): void => { errors.push(error); };
    assert.equal(keyOf((msg) => msg.headers.tenant, message, 'groupBy', onError), 'acme');
    assert.equal(keyOf(() => 42, message, 'groupBy', onError), '42');
    assert.equal(keyOf(() => undefined, message, 'groupBy', onError), undefined);
    assert.equal(keyOf(() => '', message, 'groupBy', onError), undefined);
    assert.equal(errors.length, 0, 'no key is not an error');
    assert.equal(keyOf(() => { throw new Error('boom'); }, message, 'groupBy', onError), undefined);
    assert.equal(keyOf(() => ({ tenant: 1 }) as never, message, 'rateLimit.key', onError), undefined);
    assert.deepEqual(errors.map((e) => e.message), [
      '`groupBy` threw for message 1-0: it runs without a key',
      'Expected `rateLimit.key` to return a string, a number or undefined, got an object for message 1-0: it runs without a key',
    ]);
    assert.equal((errors[0]?.cause as Error).message, 'boom');
  });
});
