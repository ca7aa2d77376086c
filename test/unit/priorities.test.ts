/** Priority levels: option checks, level streams, and the read planner's shares. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptionError } from '../../src/index.js';
import { ReadPlanner, resolveLevels } from '../../src/priorities.js';

describe('priority levels', () => {
  it('are checked: 2 to 10 unique names including default; weights one per level', () => {
    assert.throws(() => resolveLevels('s', ['high', 'low'], undefined), (e: unknown) => e instanceof InvalidOptionError && /include 'default'/.test(e.message));
    assert.throws(() => resolveLevels('s', ['default', 'default'], undefined), /no level twice/);
    assert.throws(() => resolveLevels('s', 'high', undefined), /array of 2 to 10/);
    assert.throws(() => resolveLevels('s', ['high', 'default'], [1]), /2 positive numbers/);
    assert.throws(() => resolveLevels('s', undefined, [1]), /only together with `priorities`/);
    const levels = resolveLevels('orders', ['high', 'default', 'low'], undefined);
    assert.deepEqual(levels.streams, ['{orders}:priority:high', 'orders', '{orders}:priority:low']);
    assert.deepEqual(levels.weights, [4, 2, 1]);
  });

  it('strict: every level offered the whole room, by rank', () => {
    const planner = new ReadPlanner(resolveLevels('s', ['high', 'default', 'low'], undefined), 'strict');
    assert.deepEqual(planner.plan(10), [{ index: 0, count: 10 }, { index: 1, count: 10 }, { index: 2, count: 10 }]);
  });

  it('weighted: shares are exact over rounds of any size (6/3/1), and no level waits more than a few slots', () => {
    const planner = new ReadPlanner(resolveLevels('s', ['high', 'default', 'low'], [6, 3, 1]), 'weighted');
    const totals = [0, 0, 0];
    const sizes = [1, 3, 4, 7, 16, 2, 5, 9, 13];
    let slots = 0;
    for (let round = 0; round < 300; round++) {
      const room = sizes[round % sizes.length] as number;
      const steps = planner.plan(room);
      assert.equal(steps.reduce((n, s) => n + s.count, 0), room, 'the whole room is planned');
      for (const step of steps) totals[step.index] = (totals[step.index] as number) + step.count;
      slots += room;
    }
    const shares = totals.map((t) => t / slots);
    for (const [i, want] of [0.6, 0.3, 0.1].entries()) {
      assert.ok(Math.abs((shares[i] as number) - want) <= 0.01 * want + 1 / slots, `level ${i}: share ${shares[i]}, weight share ${want}`);
    }
    // Starvation: in any 10 consecutive slots the lowest level gets one.
    const single = new ReadPlanner(resolveLevels('s', ['high', 'default', 'low'], [6, 3, 1]), 'weighted');
    const sequence = Array.from({ length: 100 }, () => (single.plan(1)[0] as { index: number }).index);
    for (let start = 0; start + 10 <= sequence.length; start++) {
      assert.ok(sequence.slice(start, start + 10).includes(2), `slots ${start}–${start + 9} without the low level`);
    }
  });
});
