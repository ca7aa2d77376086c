/**
 * Option validation: every bad option is refused at construction with an InvalidOptionError whose
 * message names the option, what was expected and what was given — never another error, never
 * later. Property-based (fast-check) over every validated option of Consumer, Producer and Admin.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  Admin, Consumer, InvalidOptionError, MetricsRegistry, PartitionedConsumer, PartitionedProducer, Producer, consoleLogger, exponentialBackoff,
  fixedBackoff,
} from '../../src/index.js';
import type { ConsumerOptions } from '../../src/index.js';
import { CONSUMER_OPTION_KEYS } from '../../src/consumer/options.js';
import { startDashboard } from '../../src/dashboard/server.js';
import { closestName } from '../../src/validate.js';

const base = { stream: 'orders', group: 'billing', handler: () => undefined };
const consumer = (extra: Record<string, unknown>) => new Consumer({ ...base, ...extra } as ConsumerOptions<unknown>);

/** Asserts that `fn` throws an InvalidOptionError with exactly `message`. */
function throwsOption(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_STREAMQ_OPTIONS');
    assert.equal(error.name, 'InvalidOptionError');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('validation messages', () => {
  it('concurrency', () => {
    throwsOption(() => consumer({ concurrency: 0 }), 'Expected `concurrency` to be an integer from 1 and up, got 0');
    throwsOption(() => consumer({ concurrency: 1.5 }), 'Expected `concurrency` to be an integer from 1 and up, got 1.5');
    throwsOption(() => consumer({ concurrency: '4' }), 'Expected `concurrency` to be an integer from 1 and up, got "4"');
    throwsOption(() => consumer({ concurrency: Number.NaN }), 'Expected `concurrency` to be an integer from 1 and up, got NaN');
    throwsOption(() => consumer({ concurrency: null }), 'Expected `concurrency` to be an integer from 1 and up, got null');
    assert.equal(consumer({ concurrency: 1 }).name.length > 0, true);
  });

  it('stream, group and consumer names', () => {
    throwsOption(() => consumer({ stream: '' }), 'Expected `stream` to be a non-empty string, got ""');
    throwsOption(() => consumer({ group: '' }), 'Expected `group` to be a non-empty string, got ""');
    throwsOption(() => consumer({ stream: undefined }), 'Expected `stream` to be a non-empty string, got undefined');
    throwsOption(() => consumer({ group: 42 }), 'Expected `group` to be a non-empty string, got 42');
    throwsOption(() => consumer({ name: '' }), 'Expected `name` to be a non-empty string, got ""');
    throwsOption(() => consumer({ stream: 'a\nb' }), 'Expected `stream` to contain no control characters, got "a\\nb"');
    throwsOption(() => consumer({ stream: 'x'.repeat(1025) }), 'Expected `stream` to be at most 1024 characters, got 1025');
    throwsOption(() => new Producer({ stream: '' }), 'Expected `stream` to be a non-empty string, got ""');
    // Braces, spaces and unicode are fine.
    assert.equal(consumer({ stream: '{t} ördérs 📦' }).stream, '{t} ördérs 📦');
  });

  it('handler and batchHandler', () => {
    throwsOption(() => consumer({ batchHandler: () => undefined }), 'Expected either `handler` or `batchHandler`, got both');
    throwsOption(() => consumer({ handler: 'nope' }), 'Expected `handler` to be a function, got "nope"');
    throwsOption(() => consumer({ handler: undefined, batchHandler: {} }), 'Expected `batchHandler` to be a function, got an object');
    // Neither is fine: iterate with for await.
    assert.doesNotThrow(() => consumer({ handler: undefined }));
  });

  it('other options', () => {
    throwsOption(() => consumer({ visibilityTimeoutMs: 50 }), 'Expected `visibilityTimeoutMs` to be an integer from 100 and up, got 50');
    throwsOption(() => consumer({ blockMs: 0 }), 'Expected `blockMs` to be an integer from 1 to 60000, got 0');
    throwsOption(() => consumer({ batchSize: 10_001 }), 'Expected `batchSize` to be an integer from 1 to 10000, got 10001');
    throwsOption(() => consumer({ maxDeliveries: 0 }), 'Expected `maxDeliveries` to be an integer from 1 and up, got 0');
    throwsOption(() => consumer({ prefetch: -1 }), 'Expected `prefetch` to be an integer from 0 to 100000, got -1');
    throwsOption(() => consumer({ startAt: 'latest' }), 'Expected `startAt` to be a stream ID like \'1700000000000-0\' or one of \'$\', got "latest"');
    throwsOption(() => consumer({ raw: 'yes' }), 'Expected `raw` to be a boolean, got "yes"');
    throwsOption(() => consumer({ backoff: 100 }), 'Expected `backoff` to be a function, got 100');
    throwsOption(() => consumer({ logger: {} }), /^Expected `logger` to be an object with methods debug, info, warn, error, got an object$/);
    throwsOption(() => consumer({ registry: [] }), /^Expected `registry` to be an object with methods register, unregister, got an array$/);
    throwsOption(() => new Consumer(null as never), 'Expected `options` to be an object, got null');
    throwsOption(() => new Producer({ stream: 's', maxPayloadBytes: 0 }), 'Expected `maxPayloadBytes` to be an integer from 1 and up, got 0');
    throwsOption(() => new Producer({ stream: 's', retention: { maxLen: -1 } }), 'Expected `retention.maxLen` to be an integer from 0 and up, got -1');
    throwsOption(() => new Admin({ connectTimeoutMs: 0 }), 'Expected `connectTimeoutMs` to be an integer from 1 and up, got 0');
    assert.doesNotThrow(() => consumer({ startAt: '$' }));
    assert.doesNotThrow(() => consumer({ startAt: '0' }));
    assert.doesNotThrow(() => consumer({ startAt: '1700000000000-5' }));
    assert.doesNotThrow(() => consumer({ logger: consoleLogger('error'), registry: new MetricsRegistry(), backoff: fixedBackoff(1) }));
  });

  it('never leaks anything in the message beyond a short preview of a long string', () => {
    assert.throws(() => consumer({ startAt: 'x'.repeat(500) }), (error: Error) => error.message.length < 200);
  });
});

/** Asserts that `promise` rejects with an InvalidOptionError with exactly `message`. */
async function rejectsOption(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** Nothing listens on port 1: a call that got as far as connecting would fail with a ConnectionError instead. */
const NOWHERE = 'redis://127.0.0.1:1';

describe('unknown options are refused, with a suggestion when one is close', () => {
  it('Consumer: a typo names the key and the option meant', () => {
    throwsOption(() => consumer({ concurency: 4 }), 'Unknown option `concurency`: did you mean `concurrency`?');
    throwsOption(() => consumer({ VisibilityTimeoutMS: 1000 }), 'Unknown option `VisibilityTimeoutMS`: did you mean `visibilityTimeoutMs`?');
    throwsOption(() => consumer({ maxDelivries: 3 }), 'Unknown option `maxDelivries`: did you mean `maxDeliveries`?');
    // Present but undefined is still a typo.
    throwsOption(() => consumer({ handlr: undefined }), 'Unknown option `handlr`: did you mean `handler`?');
    // Nothing close: the known options are listed.
    throwsOption(() => consumer({ retries: 3 }), /^Unknown option `retries` \(known options: stream, group, name, redis, .*registry\)$/);
    // A key that is not a plain name is quoted and cut short.
    throwsOption(() => consumer({ ['x\n'.repeat(100)]: 1 }), /^Unknown option `"x\\nx\\n.*…"` \(known options: /);
  });

  it('nested options name their path: retention, waitForReplicas, backoff options', () => {
    throwsOption(() => new Producer({ stream: 's', retention: { maxlen: 10 } } as never), 'Unknown option `retention.maxlen`: did you mean `maxLen`?');
    throwsOption(() => new Producer({ stream: 's', retention: { maxAge: 10 } } as never), 'Unknown option `retention.maxAge`: did you mean `maxAgeMs`?');
    throwsOption(() => new Producer({ stream: 's', waitForReplicas: { replica: 1, timeoutMs: 10 } } as never),
      'Unknown option `waitForReplicas.replica`: did you mean `replicas`?');
    throwsOption(() => exponentialBackoff({ initial: 100 } as never), 'Unknown option `backoff.initial`: did you mean `initialMs`?');
    throwsOption(() => exponentialBackoff({ factor: 3 } as never), /^Unknown option `backoff.factor` \(known options of `backoff`: initialMs, multiplier, maxMs, jitter\)$/);
  });

  it('Producer, Admin, PartitionedProducer, PartitionedConsumer constructors', () => {
    throwsOption(() => new Producer({ stream: 's', maxPayload: 10 } as never), 'Unknown option `maxPayload`: did you mean `maxPayloadBytes`?');
    throwsOption(() => new Admin({ connectTimeout: 100 } as never), 'Unknown option `connectTimeout`: did you mean `connectTimeoutMs`?');
    throwsOption(() => new PartitionedProducer({ stream: 's', partition: 4 } as never), 'Unknown option `partition`: did you mean `partitions`?');
    throwsOption(() => new PartitionedProducer({ stream: 's', partitions: 4, retention: { maxlen: 1 } } as never),
      'Unknown option `retention.maxlen`: did you mean `maxLen`?');
    throwsOption(() => new PartitionedProducer({ stream: 's', partitions: 4, batchSize: 0 }), 'Expected `batchSize` to be an integer from 1 to 10000, got 0');
    throwsOption(() => new PartitionedConsumer({ stream: 's', partitions: 4, group: 'g', orderd: true, handler: () => undefined } as never),
      'Unknown option `orderd`: did you mean `ordered`?');
    throwsOption(() => new PartitionedConsumer({ stream: 's', partitions: 4, group: 'g', concurency: 2, handler: () => undefined } as never),
      'Unknown option `concurency`: did you mean `concurrency`?');
  });

  it('send and sendMany options, refused before anything connects', async () => {
    const producer = new Producer({ stream: 's', redis: NOWHERE, registry: new MetricsRegistry() });
    await rejectsOption(producer.send(1, { delay: 100 } as never), 'Unknown option `delay`: did you mean `delayMs`?');
    await rejectsOption(producer.send(1, { dedupkey: 'k' } as never), 'Unknown option `dedupkey`: did you mean `dedupKey`?');
    await rejectsOption(producer.sendMany([1], { header: {} } as never), 'Unknown option `header`: did you mean `headers`?');
    await rejectsOption(producer.sendMany([1], { delayMs: 5 } as never), 'Unknown option `delayMs` (known options: headers, priority, inFlight)');
    await producer.close();
    const partitioned = new PartitionedProducer({ stream: 's', partitions: 2, redis: NOWHERE });
    await rejectsOption(partitioned.send(1, { kye: 'a' } as never), 'Unknown option `kye`: did you mean `key`?');
    await rejectsOption(partitioned.sendMany([1], { keys: () => 'a' } as never), 'Unknown option `keys`: did you mean `key`?');
    await partitioned.close();
  });

  it('Admin method options, refused before anything connects', async () => {
    const admin = new Admin({ redis: NOWHERE });
    await rejectsOption(admin.pending('s', 'g', { counts: 5 } as never), 'Unknown option `counts`: did you mean `count`?');
    await rejectsOption(admin.read('s', { revers: true } as never), 'Unknown option `revers`: did you mean `reverse`?');
    await rejectsOption(admin.deadLetters('s', { cnt: 5 } as never), 'Unknown option `cnt`: did you mean `count`?');
    await rejectsOption(admin.trim('s', { maxlen: 5 } as never), 'Unknown option `maxlen`: did you mean `maxLen`?');
    await rejectsOption(admin.createGroup('s', 'g', { startat: '$' } as never), 'Unknown option `startat`: did you mean `startAt`?');
    await rejectsOption(admin.replayDeadLetters('s', { id: ['1-0'] } as never), 'Unknown option `selection.id`: did you mean `ids`?');
    await rejectsOption(admin.purgeDeadLetters('s', { al: true } as never), 'Unknown option `selection.al`: did you mean `all`?');
    await admin.close();
  });

  it('startDashboard options, refused before it listens', async () => {
    const admin = new Admin({ redis: NOWHERE });
    await rejectsOption(startDashboard({ admin, prot: 0 } as never), 'Unknown option `prot`: did you mean `port`?');
    await rejectsOption(startDashboard({ admin, port: 70_000 }), 'Expected `port` to be an integer from 0 to 65535, got 70000');
    await rejectsOption(startDashboard({ admin: {} as never }), 'Expected `admin` to be an Admin (new Admin({ redis }))');
    await admin.close();
  });

  it('closestName: case-insensitive or at most 2 edits, never for a name shorter than the edits', () => {
    assert.equal(closestName('concurency', ['concurrency', 'prefetch']), 'concurrency');
    assert.equal(closestName('CONCURRENCY', ['concurrency']), 'concurrency');
    assert.equal(closestName('blokMs', ['blockMs', 'batchSize']), 'blockMs');
    assert.equal(closestName('x', ['at']), undefined);
    assert.equal(closestName('retries', ['maxDeliveries', 'backoff']), undefined);
    assert.equal(closestName('', ['a']), undefined);
    assert.equal(closestName('maxPayload', ['stream', 'maxPayloadBytes']), 'maxPayloadBytes', 'a prefix of 4 characters or more');
    assert.equal(closestName('max', ['maxPayloadBytes']), undefined, 'a prefix shorter than 4 characters');
  });

  it('property: any one-character slip in a Consumer option name is refused with a suggestion of a known option (2000 cases)', () => {
    const known = Object.keys(CONSUMER_OPTION_KEYS);
    const slip = fc.tuple(fc.constantFrom(...known), fc.nat(), fc.constantFrom('delete', 'insert', 'replace', 'case'), fc.constantFrom(...'abcdeMsz_'))
      .map(([name, at, kind, c]) => {
        const i = at % name.length;
        if (kind === 'delete') return name.slice(0, i) + name.slice(i + 1);
        if (kind === 'insert') return name.slice(0, i) + c + name.slice(i);
        if (kind === 'replace') return name.slice(0, i) + c + name.slice(i + 1);
        return name.slice(0, i) + (name[i] as string).toUpperCase() + name.slice(i + 1);
      })
      .filter((typo) => !known.includes(typo) && typo.length > 2);
    fc.assert(fc.property(slip, (typo) => {
      assert.throws(() => consumer({ [typo]: 1 }), (error: unknown) => {
        assert.ok(error instanceof InvalidOptionError);
        const match = /^Unknown option `(.+)`: did you mean `(\w+)`\?$/.exec(error.message);
        assert.ok(match, error.message);
        assert.equal(match[1], typo);
        assert.ok(known.includes(match[2] as string), error.message);
        return true;
      });
    }), { numRuns: 2000 });
  });

  it('property: any key no option has is refused, naming it (1000 cases)', () => {
    const known = new Set(Object.keys(CONSUMER_OPTION_KEYS));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 30 }).filter((key) => !known.has(key) && key !== '__proto__'), anyValueLite, (key, value) => {
      throwsOption(() => consumer({ [key]: value }), /^Unknown option `/);
    }), { numRuns: 1000 });
  });
});

const anyValueLite = fc.oneof(fc.constant(undefined), fc.integer(), fc.string(), fc.boolean());

/** What each validated option accepts. */
type Check = (value: unknown) => boolean;
const isInt = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isControl = (c: string): boolean => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
const isName: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 1024 && ![...v].some(isControl);
const isFn: Check = (v) => typeof v === 'function';
const isBool: Check = (v) => typeof v === 'boolean';
const isId: Check = (v) => typeof v === 'string' && (/^\d+(-\d+)?$/.test(v) || v === '$');
const hasMethods = (...methods: string[]): Check => (v) =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

const CONSUMER_OPTIONS: Record<string, Check> = {
  stream: isName, group: isName, name: isName, handler: isFn, batchSize: isInt(1, 10_000), batchWaitMs: isInt(0),
  concurrency: isInt(1), prefetch: isInt(0, 100_000), visibilityTimeoutMs: isInt(100), maxDeliveries: isInt(1), startAt: isId,
  backoff: isFn, raw: isBool, deleteOnAck: isBool, reclaimIntervalMs: isInt(10), blockMs: isInt(1, 60_000), delayedPollMs: isInt(10),
  connectTimeoutMs: isInt(1), deadLetterMaxLen: isInt(0), logger: hasMethods('debug', 'info', 'warn', 'error'),
  registry: hasMethods('register', 'unregister'),
};
const REQUIRED = new Set(['stream', 'group']);

const PRODUCER_OPTIONS: Record<string, Check> = {
  stream: isName, maxPayloadBytes: isInt(1), connectTimeoutMs: isInt(1), batchSize: isInt(1, 10_000),
  logger: hasMethods('debug', 'info', 'warn', 'error'), registry: hasMethods('register', 'unregister'),
};

/** Any value at all, with extra weight on the near misses (edge numbers, numeric strings, IDs). */
const anyValue = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }),
  fc.constantFrom(0, -1, 1, 99, 100, 1.5, 10_000, 10_001, 60_001, 100_001, Number.NaN, Infinity, -Infinity, -0, 2 ** 53, '1', '', '$', '>', '0-0', 'x\u0000'),
  fc.integer(), fc.double(), fc.string(), fc.boolean(),
  fc.func(fc.constant(undefined)),
);

describe('validation properties', () => {
  it('Consumer: any invalid option value → InvalidOptionError, any valid one → no error (4000 cases)', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(CONSUMER_OPTIONS)), anyValue, (option, value) => {
      const check = CONSUMER_OPTIONS[option] as Check;
      const valid = value === undefined ? !REQUIRED.has(option) : check(value);
      const build = () => consumer({ [option]: value });
      if (valid) assert.doesNotThrow(build, `${option} = ${String(value)}`);
      else throwsOption(build, new RegExp(`^Expected .*\`${option}\``));
    }), { numRuns: 4000 });
  });

  it('Producer: any invalid option value → InvalidOptionError (2000 cases)', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(PRODUCER_OPTIONS)), anyValue, (option, value) => {
      const check = PRODUCER_OPTIONS[option] as Check;
      const valid = value === undefined ? option !== 'stream' : check(value);
      const registry = new MetricsRegistry();
      const build = () => new Producer({ stream: 's', registry, [option]: value } as never);
      if (valid) assert.doesNotThrow(build, `${option} = ${String(value)}`);
      else throwsOption(build, new RegExp(`^Expected .*\`${option}\``));
    }), { numRuns: 2000 });
  });

  it('a whole bag of random options either builds a Consumer or throws InvalidOptionError, never another error (3000 cases)', () => {
    const bag = fc.dictionary(fc.constantFrom(...Object.keys(CONSUMER_OPTIONS), 'batchHandler', 'redis'), anyValue, { maxKeys: 6 });
    fc.assert(fc.property(fc.oneof(bag, anyValue), (options) => {
      try {
        new Consumer(options as never);
      } catch (error) {
        assert.ok(error instanceof InvalidOptionError, `${String(error)}`);
      }
    }), { numRuns: 3000 });
  });
});
