/** Capacity: the flow-control counter behind "never hold more than concurrency + prefetch". */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Capacity } from '../../src/consumer/capacity.js';

describe('Capacity', () => {
  it('reserves at most the free slots and gives them back', () => {
    const capacity = new Capacity(4);
    assert.equal(capacity.limit, 4);
    assert.equal(capacity.free, 4);
    assert.equal(capacity.reserve(3), 3);
    assert.equal(capacity.used, 3);
    assert.equal(capacity.reserve(3), 1, 'only one slot was left');
    assert.equal(capacity.reserve(1), 0);
    assert.equal(capacity.free, 0);
    capacity.release(2);
    assert.equal(capacity.free, 2);
    capacity.release();
    assert.equal(capacity.used, 1);
  });

  it('take() may pass the limit (a read whose COUNT was the free room), release never goes below zero', () => {
    const capacity = new Capacity(2);
    capacity.reserve(2);
    capacity.take(2);
    assert.equal(capacity.used, 4);
    assert.equal(capacity.free, -2);
    assert.equal(capacity.reserve(5), 0);
    capacity.release(10);
    assert.equal(capacity.used, 0);
    assert.equal(capacity.free, 2);
  });

  it('waitForFree resolves once enough slots are free', async () => {
    const capacity = new Capacity(4);
    capacity.reserve(4);
    let resolved = false;
    const waiting = capacity.waitForFree(2, () => false).then(() => { resolved = true; });
    capacity.release(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resolved, false, 'one free slot is not enough');
    capacity.release(1);
    await waiting;
    assert.equal(resolved, true);
    assert.equal(capacity.free, 2);
  });

  it('waitForFree asks for no more than the limit, and resolves at once when enough is free', async () => {
    const capacity = new Capacity(2);
    await capacity.waitForFree(10, () => false); // min(10, limit) = 2 are free
    capacity.reserve(2);
    const waiting = capacity.waitForFree(10, () => false);
    capacity.release(2);
    await waiting;
  });

  it('wake() ends a wait once the stop condition holds', async () => {
    const capacity = new Capacity(1);
    capacity.reserve(1);
    let stop = false;
    const waiting = capacity.waitForFree(1, () => stop);
    capacity.wake(); // not stopping yet: keeps waiting
    await new Promise((resolve) => setImmediate(resolve));
    stop = true;
    capacity.wake();
    await waiting;
    assert.equal(capacity.used, 1);
  });

  it('reserved + used never exceeds the limit through reserve/release (property, 1000 cases)', () => {
    const op = fc.oneof(fc.record({ reserve: fc.integer({ min: 0, max: 10 }) }), fc.record({ release: fc.integer({ min: 1, max: 10 }) }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 40 }), (limit, ops) => {
      const capacity = new Capacity(limit);
      let held = 0;
      for (const o of ops) {
        if ('reserve' in o) {
          const got = capacity.reserve(o.reserve);
          assert.ok(got >= 0 && got <= o.reserve);
          held += got;
        } else {
          const n = Math.min(o.release, held);
          capacity.release(n);
          held -= n;
        }
        assert.equal(capacity.used, held);
        assert.ok(capacity.used <= limit && capacity.free >= 0);
      }
    }), { numRuns: 1000 });
  });
});
