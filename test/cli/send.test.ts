/**
 * `streamq send` never half-does a job: every line is parsed and size-checked before the first
 * XADD (an oversized or invalid line sends nothing and is named), and a send that fails part-way
 * says how many were sent and the first unsent line, so `--from-line` resumes without duplicates.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin } from '../../src/index.js';
import { RedisServer, uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { parseJson, runCli, TestStreams } from './helpers.js';

let redis: UsedRedis;
let dir: string;
const streams = new TestStreams();
const stream = (prefix: string): string => streams.name(prefix);

before(async () => {
  redis = await useRedis();
  dir = await mkdtemp(join(tmpdir(), 'streamq-send-'));
});

after(async () => {
  await streams.dropAll(redis.url);
  await redis.close();
  await rm(dir, { recursive: true, force: true });
});

/** NDJSON of `count` messages `{ n, pad }`, 1-based `n` equal to the line number. */
const ndjson = (count: number, padBytes = 0): string[] => Array.from({ length: count }, (_, i) => JSON.stringify({ n: i + 1, pad: 'x'.repeat(padBytes) }));

/** The `n` of every entry of `stream`, in stream order. */
const sentNumbers = async (url: string, name: string): Promise<number[]> => {
  const admin = new Admin({ redis: url });
  try {
    const entries = await admin.read(name, { count: 100_000 });
    return entries.map((e) => (JSON.parse(e.fields.d ?? 'null') as { n: number }).n);
  } finally {
    await admin.close();
  }
};

describe('streamq send checks every line first', () => {
  it('600 good lines and one of 2 MiB: exit 1 naming the line and its size, and nothing is sent', async () => {
    const s = stream('send-big');
    const lines = ndjson(600);
    const big = JSON.stringify({ n: 342, pad: 'x'.repeat(2 * 1024 * 1024) });
    lines.splice(341, 0, big); // line 342
    const bytes = Buffer.byteLength(big);
    const result = await runCli(['--url', redis.url, 'send', s], { input: `${lines.join('\n')}\n` });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trim(), `streamq: stdin: line 342: payload is ${bytes} bytes, more than --max-payload-bytes 1048576; nothing was sent`);
    assert.deepEqual(await sentNumbers(redis.url, s), [], 'no entry was written');

    const file = join(dir, 'big.ndjson');
    await writeFile(file, `${lines.join('\n')}\n{broken\n`);
    const both = await runCli(['--url', redis.url, 'send', s, '--file', file]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, new RegExp(`big\\.ndjson: 2 invalid lines; nothing was sent:\\n {2}line 342: payload is ${bytes} bytes, more than --max-payload-bytes 1048576\\n {2}line 602: not valid JSON`));
    assert.deepEqual(await sentNumbers(redis.url, s), []);

    const raised = await runCli(['--url', redis.url, '--json', 'send', s, '--max-payload-bytes', String(3 * 1024 * 1024)], { input: lines.join('\n') });
    assert.equal(raised.code, 0, raised.stderr);
    assert.equal(parseJson<{ sent: number }>(raised).sent, 601, '--max-payload-bytes raises the limit for the library too');
  });
});

describe('streamq send that fails part-way', () => {
  it('says how many were sent and the first unsent line; --from-line resumes with no duplicates', async () => {
    const server = await RedisServer.start();
    const s = uniqueName('send-oom');
    const file = join(dir, 'oom.ndjson');
    await writeFile(file, `${ndjson(600, 10_000).join('\n')}\n`); // ~1 MB per batch of 100
    try {
      // Room for about two batches: Redis refuses writes (OOM) once used memory is over it.
      const used = Number(/used_memory:(\d+)/.exec(String(await server.command('INFO', 'memory')))?.[1]);
      await server.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await server.command('CONFIG', 'SET', 'maxmemory', String(used + 2_500_000));
      const failed = await runCli(['--url', server.url, '--json', 'send', s, '--file', file, '--batch', '100']);
      assert.notEqual(failed.code, 0, 'exit non-zero');
      const doc = parseJson<{ sent: number; ids: string[]; failed: { firstUnsent: number; uncertain: boolean; error: string } }>(failed);
      const sent = doc.sent;
      assert.ok(sent > 0 && sent < 600 && sent % 100 === 0, `sent ${sent}: whole batches, some but not all`);
      assert.equal(doc.failed.firstUnsent, sent + 1);
      assert.equal(doc.failed.uncertain, false, 'Redis refused the batch: it was not written');
      assert.match(doc.failed.error, /OOM/);
      assert.match(failed.stderr, new RegExp(`${sent} of 600 messages were sent; the first unsent line is ${sent + 1}\\.\\nResume with --from-line ${sent + 1}\\.`));
      assert.deepEqual(await sentNumbers(server.url, s), Array.from({ length: sent }, (_, i) => i + 1), 'exactly the lines reported as sent');

      await server.command('CONFIG', 'SET', 'maxmemory', '0');
      const resumed = await runCli(['--url', server.url, 'send', s, '--file', file, '--batch', '100', '--from-line', String(sent + 1)]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`sent ${600 - sent} messages`));
      assert.deepEqual(await sentNumbers(server.url, s), Array.from({ length: 600 }, (_, i) => i + 1), 'every line once, in order');
    } finally {
      await server.stop();
    }
  });

  it('refuses --from-line with arguments, and past the end of the input', async () => {
    const s = stream('send-from');
    const withArgs = await runCli(['--url', redis.url, 'send', s, '1', '--from-line', '2']);
    assert.equal(withArgs.code, 2);
    assert.match(withArgs.stderr, /--from-line applies to NDJSON input/);
    const pastEnd = await runCli(['--url', redis.url, 'send', s, '--from-line', '5'], { input: '1\n2\n' });
    assert.equal(pastEnd.code, 2);
    assert.match(pastEnd.stderr, /no messages from line 5 on/);
  });
});
