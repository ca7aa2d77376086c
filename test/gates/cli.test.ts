/**
 * The CLI of the gates, run from source against a private redis-server: `groups pause` (until
 * resumed, or `--for`), `groups resume`, `stats` and `groups list` showing the pause, and
 * `groups limits` showing rate-limit use and running per-key slots (`--json` and tables).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, MetricsRegistry, Producer, type RateLimitState, type KeyConcurrencyState } from '../../src/index.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { parseJson, runCli } from '../cli/helpers.js';

let server: RedisServer;
let admin: Admin;
const closers: (() => Promise<unknown>)[] = [];
before(async () => {
  server = await RedisServer.start();
  admin = new Admin({ redis: server.url });
});
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await admin.close();
  await server.stop();
});

const cli = (args: string[]) => runCli([...args, '--url', server.url]);

describe('streamq groups pause|resume|limits', { timeout: 120_000 }, () => {
  it('pauses for a while or until resumed, shown by stats and groups list', async () => {
    const stream = uniqueName('cli-pause');
    await admin.createGroup(stream, 'g');
    const timed = await cli(['groups', 'pause', stream, 'g', '--for', '30s', '--json']);
    assert.equal(timed.code, 0, timed.stderr);
    const paused = parseJson<{ paused: boolean; forMs: number; pausedUntil: string }>(timed);
    assert.equal(paused.forMs, 30_000);
    const left = Date.parse(paused.pausedUntil) - Date.now();
    assert.ok(left > 25_000 && left <= 30_000, `pausedUntil ${paused.pausedUntil} is ${left} ms away`);
    const stats = parseJson<{ groups: { name: string; paused: boolean; pausedUntil: string }[] }>(await cli(['stats', stream, '--json']));
    assert.deepEqual(stats.groups.map((g) => [g.name, g.paused, g.pausedUntil]), [['g', true, paused.pausedUntil]]);
    assert.match((await cli(['stats', stream])).stdout, new RegExp(`PAUSED[\\s\\S]*until ${paused.pausedUntil.replace(/[.]/g, '\\.')}`));

    const open = await cli(['groups', 'pause', stream, 'g']);
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stdout, /paused group g of .* until resumed/);
    assert.match((await cli(['groups', 'list', stream])).stdout, /g +0 +0 +0 +0-0 +\S+ +yes/);

    assert.deepEqual(parseJson(await cli(['groups', 'resume', stream, 'g', '--json'])), { stream, group: 'g', resumed: true });
    assert.match((await cli(['groups', 'resume', stream, 'g'])).stdout, /was not paused/);
    assert.equal((await admin.stats(stream)).groups[0]?.paused, false);
    const missing = await cli(['groups', 'pause', stream, 'nope']);
    assert.equal(missing.code, 4, 'a group that does not exist is refused (a typo must not pause nothing)');
    assert.match(missing.stderr, /group nope does not exist/);
  });

  it('shows rate-limit use and running per-key slots', async () => {
    const stream = uniqueName('cli-limits');
    const producer = new Producer<number>({ stream, redis: server.url, registry: new MetricsRegistry() });
    closers.push(() => producer.close());
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const consumer = new Consumer<number>({
      stream, group: 'g', name: 'c1', redis: server.url, registry: new MetricsRegistry(), blockMs: 100,
      rateLimit: [{ max: 100, perMs: 60_000 }, { max: 3, perMs: 60_000, key: (msg) => msg.headers.tenant }],
      groupBy: (msg) => msg.headers.tenant, perKeyConcurrency: 2,
      handler: () => gate,
    });
    closers.push(() => consumer.close({ timeoutMs: 1_000 }));
    await producer.sendMany([1, 2, 3], { headers: { tenant: 'acme' } });
    await producer.sendMany([4], { headers: { tenant: 'globex' } });
    await consumer.start();
    await waitFor(async () => (await admin.keyConcurrency(stream, 'g')).keys.length === 2 || undefined, { description: 'slots taken' });

    const result = await cli(['groups', 'limits', stream, 'g', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { rateLimit, keyConcurrency } = parseJson<{ rateLimit: RateLimitState; keyConcurrency: KeyConcurrencyState }>(result);
    assert.deepEqual(rateLimit.group, { max: 100, perMs: 60_000, used: 3 });
    assert.deepEqual(rateLimit.perKey && { ...rateLimit.perKey }, { max: 3, perMs: 60_000, activeKeys: 2, top: [{ key: 'acme', used: 2 }, { key: 'globex', used: 1 }] });
    assert.equal(keyConcurrency.limit, 2);
    assert.deepEqual(keyConcurrency.keys.map((k) => [k.key, k.holders.length, k.holders.every((h) => h.consumer === 'c1' && h.stream === stream)]), [['acme', 2, true], ['globex', 1, true]]);
    assert.ok(keyConcurrency.keys.every((k) => k.holders.every((h) => h.expiresInMs > 0 && h.expiresInMs <= 30_000)));
    const text = (await cli(['groups', 'limits', stream, 'g'])).stdout;
    assert.match(text, /group rate limit: 3 of 100 starts used in the last 1m/);
    assert.match(text, /acme +2\/3/);
    assert.match(text, /per-key concurrency: 2 handlers per key/);
    assert.match(text, /globex +\d+-\d+ +c1/);
    release();
  });
});
