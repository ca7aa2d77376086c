import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDemo } from '../../src/cli/demo.js';
import { CliError, ExitCode } from '../../src/cli/exit-codes.js';
import { findOnPath, startLocalRedis } from '../../src/cli/local-redis.js';
import { canConnect, freePort } from '../../src/cli/net.js';
import type { Output } from '../../src/cli/output.js';
import { waitFor } from '../support/poll.js';

/** An Output that keeps what was written. */
const capture = (): Output & { lines: string[]; errors: string[] } => {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, line: (t) => void lines.push(t), error: (t) => void errors.push(t), interactive: false };
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const noRedisServer = (error: unknown): boolean => {
  assert.ok(error instanceof CliError);
  assert.equal(error.exitCode, ExitCode.Failure);
  assert.match(error.message, /redis-server is not on PATH/);
  assert.match(error.message, /apt-get install redis-server/);
  return true;
};

describe('local redis-server', () => {
  it('finds executables on PATH', () => {
    assert.equal(findOnPath('redis-server', ''), undefined);
    assert.match(findOnPath('redis-server') ?? '', /redis-server$/);
  });

  it('says how to get Redis when redis-server is not on PATH', async () => {
    await assert.rejects(startLocalRedis({ path: '/nonexistent' }), noRedisServer);
  });

  it('starts a private server on a free loopback port and kills it by PID', async () => {
    const local = await startLocalRedis();
    try {
      assert.match(local.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await canConnect('127.0.0.1', local.port), true);
    } finally {
      await local.stop();
    }
    await waitFor(() => !alive(local.pid), { deadlineMs: 5000, description: 'redis-server gone' });
    assert.equal(await canConnect('127.0.0.1', local.port, 500), false);
  });
});

describe('demo without a reachable Redis', () => {
  it('starts a private redis-server for its lifetime, says so, and passes', async () => {
    const closedPort = await freePort();
    const out = capture();
    const summary = await runDemo({ out, json: false, defaultUrl: `redis://127.0.0.1:${closedPort}`, pauseMs: 100 });
    assert.equal(summary.privateRedis, true);
    assert.equal(summary.sent, 12);
    assert.equal(summary.handled, 12);
    assert.equal(summary.pending, 0);
    const text = out.lines.join('\n');
    assert.match(text, /Nothing listens on redis:\/\/127\.0\.0\.1:\d+: starting a private redis-server/);
    const pid = Number(/Started redis-server \(pid (\d+)\)/.exec(text)?.[1]);
    assert.ok(pid > 0);
    assert.match(text, /Stopped the private redis-server/);
    await waitFor(() => !alive(pid), { deadlineMs: 5000, description: 'private redis-server gone' });
  });

  it('exits 1 telling how to get Redis when there is no redis-server either', async () => {
    const closedPort = await freePort();
    await assert.rejects(runDemo({ out: capture(), json: false, defaultUrl: `redis://127.0.0.1:${closedPort}`, path: '/nonexistent' }), noRedisServer);
  });

  it('exits 3 when an explicit URL is unreachable', async () => {
    const closedPort = await freePort();
    await assert.rejects(runDemo({ out: capture(), json: false, url: `redis://127.0.0.1:${closedPort}` }), (error: unknown) => error instanceof CliError && error.exitCode === ExitCode.CannotConnect);
  });
});
