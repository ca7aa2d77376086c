/**
 * Option validation: every bad option is refused at construction with an InvalidOptionError whose
 * message names the option, what was expected and what was given — never another error, never
 * later. Property-based (fast-check) over every validated option of Consumer, Producer and Admin.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Admin, Consumer, InvalidOptionError, MetricsRegistry, Producer, consoleLogger, fixedBackoff } from '../../src/index.js';
import type { ConsumerOptions } from '../../src/index.js';

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
