/**
 * The polling helper itself (no server): a probe that throws an ordinary error is retried until
 * the deadline, but a failed assertion inside a probe fails the wait at once — it is never
 * swallowed as "not yet".
 */
import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import { describe, it } from 'node:test';
import { waitFor, WaitTimeoutError } from '../support/poll.js';

describe('waitFor', () => {
  it('retries a probe that throws an ordinary error, and reports it at the deadline', async () => {
    let attempts = 0;
    const value = await waitFor(() => {
      attempts++;
      if (attempts < 3) throw new Error('not ready');
      return attempts;
    }, { deadlineMs: 2000, intervalMs: 1 });
    assert.equal(value, 3);

    await assert.rejects(
      waitFor(() => { throw new Error('still refused'); }, { deadlineMs: 30, intervalMs: 5, description: 'the port' }),
      (error: Error) => error instanceof WaitTimeoutError && /waiting for the port \(last error: still refused\)/.test(error.message),
    );
  });

  it('rethrows a failed assertion from the probe at once, without retrying', async () => {
    let attempts = 0;
    const started = Date.now();
    await assert.rejects(
      waitFor(() => {
        attempts++;
        assert.equal(attempts, 0, 'observed inside the probe');
        return true;
      }, { deadlineMs: 5000, intervalMs: 1 }),
      (error: unknown) => error instanceof AssertionError && /observed inside the probe/.test(error.message),
    );
    assert.equal(attempts, 1, 'the probe ran once');
    assert.ok(Date.now() - started < 1000, 'it did not wait for the deadline');
  });
});
