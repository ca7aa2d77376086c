/**
 * `streamq dead-letters`: a malformed dead letter is shown (its bad fields as unknown), never a
 * crash; `replay --all` replays the dead letters that existed when it started, each once, while a
 * consumer keeps failing the replays; unknown IDs and missing streams exit 4 with a message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer, streamKeys } from '../../src/index.js';
import { rawClient, type RawClient } from '../integration/helpers.js';
import { waitFor } from '../support/poll.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { makeDeadLetters, parseJson, runCli, TestStreams } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
let admin: Admin;
const streams = new TestStreams();
const stream = (prefix: string): string => streams.name(prefix);

before(async () => {
  redis = await useRedis();
  raw = await rawClient(redis.url);
  admin = new Admin({ redis: redis.url });
});

after(async () => {
  await streams.dropAll(redis.url);
  await admin.close();
  await raw.close();
  await redis.close();
});

describe('a dead letter with malformed fields', () => {
  it('is listed and dry-run with the fields marked unknown, and replayed', async () => {
    const s = stream('cli-dl-bad');
    await makeDeadLetters(redis.url, s, 'g', [{ ok: 1 }]);
    const dead = streamKeys(s).dead;
    const bad = String(await raw.sendCommand(['XADD', dead, '*', 'dead.group', 'g', 'dead.reason', 'r', 'dead.deliveries', 'lots', 'dead.consumer', 'c', 'dead.at', 'nope', 'd', '{"bad":1}']));

    const table = await runCli(['--url', redis.url, 'dead-letters', 'list', s]);
    assert.equal(table.code, 0, table.stderr);
    const row = table.stdout.split('\n').find((line) => line.startsWith(bad));
    assert.ok(row, table.stdout);
    assert.match(row, new RegExp(`^${bad}\\s+unknown\\s+g\\s+r\\s+unknown\\s+c\\s+unknown\\s+\\{"d":"\\{\\\\"bad\\\\":1\\}"\\}$`), 'original id, deliveries and time are unknown');

    const json = parseJson<{ deadLetters: { id: string; originalId: string | null; deliveries: number | null; failedAt: string | null }[] }>(await runCli(['--url', redis.url, '--json', 'dlq', 'list', s]));
    assert.deepEqual(json.deadLetters.find((d) => d.id === bad), { id: bad, originalId: null, group: 'g', reason: 'r', deliveries: null, consumer: 'c', failedAt: null, priority: null, fields: { d: '{"bad":1}' } });

    const dry = await runCli(['--url', redis.url, 'dead-letters', 'replay', s, '--all', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^${bad}\\s+unknown`, 'm'));
    assert.match(dry.stdout, /dry run: would replay 2 dead letters/);

    const replayed = await runCli(['--url', redis.url, '--json', 'dead-letters', 'replay', s, '--id', bad]);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(parseJson<{ replayed: number }>(replayed).replayed, 1);
    const [last] = await admin.read(s, { reverse: true, count: 1 });
    assert.deepEqual(last?.fields, { d: '{"bad":1}' });
  });
});

describe('dead-letters replay --all', () => {
  it('replays each dead letter that existed at the start exactly once while a consumer fails every replay', async () => {
    const s = stream('cli-dl-loop');
    const N = 600;
    const producer = new Producer<unknown>({ stream: s, redis: redis.url });
    const consumer = new Consumer<unknown>({ stream: s, group: 'g', redis: redis.url, concurrency: 64, handler: (msg) => msg.term('always fails') });
    try {
      await consumer.start();
      await producer.sendMany(Array.from({ length: N }, (_, n) => ({ n })));
      await waitFor(async () => (await admin.stats(s)).deadLetters === N, { deadlineMs: 30_000, description: `${N} dead letters` });
      const result = await runCli(['--url', redis.url, '--json', 'dead-letters', 'replay', s, '--all'], { timeoutMs: 30_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(parseJson<{ replayed: number }>(result).replayed, N);
      await waitFor(async () => {
        const stats = await admin.stats(s);
        return stats.deadLetters === N && stats.groups[0]?.lag === 0 && stats.groups[0]?.pending === 0;
      }, { deadlineMs: 30_000, description: 'the replays failed again' });
      assert.equal((await admin.stats(s)).length, 2 * N, 'each original replayed once: N originals + N replays');
    } finally {
      await consumer.close({ timeoutMs: 2000 });
      await producer.close();
    }
  });
});

describe('not found', () => {
  it('replay --id of an unknown ID exits 4 naming it (the known ones are still replayed)', async () => {
    const s = stream('cli-dl-unknown');
    await makeDeadLetters(redis.url, s, 'g', [{ n: 1 }]);
    const [known] = await admin.deadLetters(s);
    assert.ok(known);
    const unknownOnly = await runCli(['--url', redis.url, 'dead-letters', 'replay', s, '--id', '1-1']);
    assert.equal(unknownOnly.code, 4);
    assert.match(unknownOnly.stdout, /replayed 0 dead letters/);
    assert.match(unknownOnly.stderr, new RegExp(`no dead letter 1-1 in the dead letters of ${s}`));
    const mixed = await runCli(['--url', redis.url, '--json', 'dead-letters', 'replay', s, '--id', known.id, '--id', '2-2']);
    assert.equal(mixed.code, 4);
    assert.deepEqual(parseJson(mixed), { stream: s, replayed: 1, ids: [known.id], notFound: ['2-2'] });
    assert.equal((await admin.stats(s)).deadLetters, 0);
  });

  it('a missing stream says so and exits 4', async () => {
    const s = uniqueName('cli-dl-none');
    for (const args of [['list', s], ['replay', s, '--all'], ['purge', s, '--all', '--yes']]) {
      const result = await runCli(['--url', redis.url, 'dead-letters', ...args]);
      assert.equal(result.code, 4, args.join(' '));
      assert.equal(result.stderr.trim(), `streamq: stream ${s} does not exist`);
    }
  });
});
