/**
 * The subcommands not covered elsewhere: `groups reset`, `groups delete-consumer`, `groups prune`,
 * `dashboard` (started on a free port, queried, stopped with SIGINT) and `bench` (its smallest run).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin } from '../../src/index.js';
import { request } from '../dashboard/helpers.js';
import { rawClient } from '../integration/helpers.js';
import { waitFor } from '../support/poll.js';
import { useRedis, type UsedRedis } from '../support/redis-server.js';
import { parseJson, ROOT, runCli, TestStreams } from './helpers.js';

let redis: UsedRedis;
let admin: Admin;
const streams = new TestStreams();
const stream = (prefix: string): string => streams.name(prefix);

before(async () => {
  redis = await useRedis();
  admin = new Admin({ redis: redis.url });
});

after(async () => {
  await streams.dropAll(redis.url);
  await admin.close();
  await redis.close();
});

describe('streamq groups reset', () => {
  it("moves the group's last-delivered ID (with --yes), so everything is delivered again", async () => {
    const s = stream('cli-reset');
    await runCli(['--url', redis.url, 'send', s, '1', '2', '3']);
    const consumed = await runCli(['--url', redis.url, 'consume', s, '--group', 'g', '--count', '3']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.equal((await admin.stats(s)).groups[0]?.lag, 0);
    const refused = await runCli(['--url', redis.url, 'groups', 'reset', s, 'g', '--to', '0']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to reset group g of .* to 0 without --yes/);
    const reset = await runCli(['--url', redis.url, '--json', 'groups', 'reset', s, 'g', '--to', '0', '--yes']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(parseJson(reset), { stream: s, group: 'g', resetTo: '0' });
    const [group] = (await admin.stats(s)).groups;
    assert.equal(group?.lastDeliveredId, '0-0');
    assert.equal(group?.lag, 3, 'the three messages are due again');
  });
});

describe('streamq groups delete-consumer and prune', () => {
  it('refuses to delete a consumer holding entries (exit 2, naming the count), deletes it with --force, prunes idle ones', async () => {
    const s = stream('cli-consumers');
    await runCli(['--url', redis.url, 'send', s, '1', '2']);
    const held = await runCli(['--url', redis.url, 'consume', s, '--group', 'g', '--name', 'holder', '--count', '2', '--exec', 'exit 1', '--max-deliveries', '99']);
    assert.equal(held.code, 0, held.stderr);
    await waitFor(async () => (await admin.consumers(s, 'g')).find((c) => c.name === 'holder')?.pending === 2, { deadlineMs: 10_000, description: 'holder holds 2' });
    const refused = await runCli(['--url', redis.url, 'groups', 'delete-consumer', s, 'g', 'holder']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to delete consumer holder of group g on .*: it holds 2 pending entries/);
    const forced = await runCli(['--url', redis.url, '--json', 'groups', 'delete-consumer', s, 'g', 'holder', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(parseJson(forced), { stream: s, group: 'g', consumer: 'holder', deleted: true, existed: true, pending: 2 });
    const unknown = await runCli(['--url', redis.url, 'groups', 'delete-consumer', s, 'g', 'nobody']);
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /consumer nobody of group g on .* does not exist/);

    // A consumer that read once and went away (created as XREADGROUP would, with a raw client:
    // a closing Consumer may remove itself from the group).
    const raw = await rawClient(redis.url);
    try {
      await raw.sendCommand(['XGROUP', 'CREATECONSUMER', s, 'g', 'idle-one']);
    } finally {
      await raw.close();
    }
    await waitFor(async () => ((await admin.consumers(s, 'g')).find((c) => c.name === 'idle-one')?.idleMs ?? 0) > 1500, { deadlineMs: 10_000, description: 'idle-one idle 1.5 s' });
    const pruned = await runCli(['--url', redis.url, '--json', 'groups', 'prune', s, 'g', '--idle', '1s']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(parseJson(pruned), { stream: s, group: 'g', idleMs: 1000, pruned: ['idle-one'] });
    assert.deepEqual(await admin.consumers(s, 'g'), []);
    assert.equal((await runCli(['--url', redis.url, 'groups', 'prune', s, 'g', '--idle', 'soon'])).code, 2, 'a bad duration is a usage error');
  });
});

describe('streamq dashboard', () => {
  it('starts on a free port, serves /api/streams, and stops on SIGINT with exit 0', async () => {
    const s = stream('cli-dash');
    await admin.createGroup(s, 'g');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--url', redis.url, '--json', 'dashboard', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const line = await waitFor(() => stdout.split('\n').find((l) => l.startsWith('{')), { deadlineMs: 20_000, description: 'the dashboard URL' });
      const info = JSON.parse(line) as { url: string; readOnly: boolean; authRequired: boolean };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.readOnly, true);
      const list = await request(info.url, '/api/streams');
      assert.equal(list.status, 200, list.text);
      assert.ok(list.json<{ streams: { stream: string }[] }>().streams.some((row) => row.stream === s));
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to bind beyond loopback without a token (exit 2)', async () => {
    const result = await runCli(['--url', redis.url, 'dashboard', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without --token/);
  });
});

describe('streamq bench', () => {
  it('runs its smallest measurement and prints the tables (under 30 s)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamq-bench-'));
    try {
      const started = Date.now();
      const args = ['bench', '--', '--n', '200', '--reps', '1', '--only', 'streamq', '--scenarios', 'produce', '--modes', 'bulk', '--warmup', '0', '--backlog', '0', '--json', join(dir, 'bench.json')];
      const result = await runCli(args, { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout + result.stderr, /\[bench\] private redis-server pid \d+/);
      assert.match(result.stdout + result.stderr, /\[bench 1\/1\] produce · streamq sendMany · rep 1\/1/);
      assert.match(result.stdout + result.stderr, /\n {2}streamq sendMany: [\d,]+ msg\/s/);
      assert.match(result.stdout, /Medians of 1 rep\(s\), N = 200 messages per measurement\./);
      assert.match(result.stdout, /## Produce and drain/);
      assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
