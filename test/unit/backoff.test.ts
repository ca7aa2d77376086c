/** Retry delay policies: exponential growth, the cap, jitter within its range (seeded), fixed delays. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EXPONENTIAL_BACKOFF_DEFAULTS, exponentialBackoff, fixedBackoff, InvalidOptionError } from '../../src/index.js';

/** A small seeded PRNG (mulberry32), so jitter tests are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('exponentialBackoff', () => {
  it('grows by the multiplier from initialMs, without jitter', () => {
    const policy = exponentialBackoff({ initialMs: 100, multiplier: 2, maxMs: 1_000_000, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => policy(attempt, new Error('x'))), [100, 200, 400, 800, 1600, 3200]);
    const triple = exponentialBackoff({ initialMs: 10, multiplier: 3, jitter: 0 });
    assert.deepEqual([1, 2, 3].map((attempt) => triple(attempt, null)), [10, 30, 90]);
  });

  it('is capped at maxMs, even for huge attempt numbers', () => {
    const policy = exponentialBackoff({ initialMs: 100, multiplier: 2, maxMs: 1000, jitter: 0 });
    assert.deepEqual([4, 5, 6, 50, 1000, Number.MAX_SAFE_INTEGER].map((attempt) => policy(attempt, null)), [800, 1000, 1000, 1000, 1000, 1000]);
    assert.equal(policy(0, null), 100, 'attempt 0 or less counts as the first');
    assert.equal(policy(-5, null), 100);
  });

  it('has the documented defaults (500 ms doubling to 60 s, 20% jitter)', () => {
    assert.deepEqual({ ...EXPONENTIAL_BACKOFF_DEFAULTS }, { initialMs: 500, multiplier: 2, maxMs: 60_000, jitter: 0.2 });
    const noJitter = exponentialBackoff({}, () => 0);
    assert.deepEqual([1, 2, 3, 8, 20].map((attempt) => noJitter(attempt, null)), [500, 1000, 2000, 60_000, 60_000]);
    const fullJitter = exponentialBackoff({}, () => 1);
    assert.equal(fullJitter(1, null), 400);
  });

  it('takes off at most `jitter` of the delay, spread over the range (seeded random)', () => {
    const random = seeded(42);
    const policy = exponentialBackoff({ initialMs: 1000, multiplier: 2, maxMs: 8000, jitter: 0.5 }, random);
    const delays = Array.from({ length: 2000 }, () => policy(3, null)); // base 4000
    for (const delay of delays) assert.ok(delay >= 2000 && delay <= 4000, String(delay));
    // Spread out: both halves of the range are used.
    assert.ok(delays.some((d) => d < 2500) && delays.some((d) => d > 3500));
    // Same seed, same sequence.
    const again = exponentialBackoff({ initialMs: 1000, multiplier: 2, maxMs: 8000, jitter: 0.5 }, seeded(42));
    assert.deepEqual(Array.from({ length: 20 }, () => again(3, null)), delays.slice(0, 20));
  });

  it('treats jitter above 1 as 1 (never a negative delay)', () => {
    const policy = exponentialBackoff({ initialMs: 100, jitter: 5 }, () => 0.999999);
    assert.equal(policy(1, null), 0);
  });

  it('stays within [base·(1−jitter), base] for any options (property, 2000 cases)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 1, max: 5, noNaN: true }), fc.integer({ min: 0, max: 100_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -3, max: 200 }), fc.integer(),
      (initialMs, multiplier, maxMs, jitter, attempt, seed) => {
        const base = Math.min(maxMs, initialMs * multiplier ** Math.max(0, Math.min(attempt - 1, 64)));
        const delay = exponentialBackoff({ initialMs, multiplier, maxMs, jitter }, seeded(seed))(attempt, null);
        assert.ok(Number.isInteger(delay));
        assert.ok(delay <= Math.round(base) && delay >= Math.floor(base * (1 - jitter)), `${delay} vs base ${base}`);
      }), { numRuns: 2000 });
  });

  it('rejects invalid options with InvalidOptionError', () => {
    assert.throws(() => exponentialBackoff({ initialMs: -1 }), { name: 'InvalidOptionError', message: 'Expected `backoff.initialMs` to be a finite number from 0 and up, got -1' });
    assert.throws(() => exponentialBackoff({ multiplier: 0.5 }), InvalidOptionError);
    assert.throws(() => exponentialBackoff({ maxMs: Number.NaN }), InvalidOptionError);
    assert.throws(() => exponentialBackoff({ jitter: -0.1 }), InvalidOptionError);
    assert.throws(() => exponentialBackoff({ initialMs: '5' as never }), InvalidOptionError);
  });
});

describe('fixedBackoff', () => {
  it('gives the same delay after every failure', () => {
    const policy = fixedBackoff(250);
    assert.deepEqual([1, 2, 10, 100].map((attempt) => policy(attempt, new Error('x'))), [250, 250, 250, 250]);
    assert.equal(fixedBackoff(0)(3, null), 0);
  });

  it('rejects a negative or non-finite delay', () => {
    assert.throws(() => fixedBackoff(-1), InvalidOptionError);
    assert.throws(() => fixedBackoff(Infinity), InvalidOptionError);
  });
});
