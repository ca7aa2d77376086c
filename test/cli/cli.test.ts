import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Admin, Producer } from '../../src/index.js';
import { useRedis, type UsedRedis } from '../support/redis-server.js';
import { waitFor } from '../support/poll.js';
import { makeDeadLetters, parseJson, ROOT, runCli, TestStreams } from './helpers.js';

let redis: UsedRedis;
const streams = new TestStreams();
const stream = (prefix: string): string => streams.name(prefix);

before(async () => {
  redis = await useRedis();
});

after(async () => {
  await streams.dropAll(redis.url);
  await redis.close();
});

describe('streamq demo', () => {
  it('runs the scenario end to end, prints the summary with pending 0 and deletes its keys', async () => {
    const result = await runCli(['--url', redis.url, 'demo'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /Created group "demo-group"/);
    for (const name of ['consumer-1', 'consumer-2', 'consumer-3']) assert.match(result.stdout, new RegExp(`${name}\\s+handled \\d+-\\d+\\s+\\{"n":`));
    assert.match(result.stdout, /^sent\s+12$/m);
    assert.match(result.stdout, /^pending\s+0$/m);
    assert.match(result.stdout, /12 sent, 12 handled and acknowledged, pending 0/);
    const demoStream = /stream "(streamq-demo-[0-9a-f]+)"/.exec(result.stdout)?.[1];
    assert.ok(demoStream, 'the demo names its stream');
    const admin = new Admin({ redis: redis.url });
    try {
      assert.equal((await admin.stats(demoStream)).exists, false, 'the demo stream is deleted');
    } finally {
      await admin.close();
    }
  });

  it('--json prints one JSON summary on stdout (the narrative on stderr)', async () => {
    const result = await runCli(['--url', redis.url, '--json', 'demo'], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    const summary = parseJson<{ sent: number; handled: number; pending: number; handledBy: Record<string, number>; cleanedUp: boolean }>(result);
    assert.equal(summary.sent, 12);
    assert.equal(summary.handled, 12);
    assert.equal(summary.pending, 0);
    assert.equal(summary.cleanedUp, true);
    assert.deepEqual(Object.keys(summary.handledBy), ['consumer-1', 'consumer-2', 'consumer-3']);
    assert.match(result.stderr, /handled/);
  });
});

describe('streamq send and stats', () => {
  it('sends from arguments and stdin, and stats --json reports the stream, its groups and consumers', async () => {
    const s = stream('cli-send');
    const created = await runCli(['--url', redis.url, 'groups', 'create', s, 'workers', '--start-at', '0']);
    assert.equal(created.code, 0, created.stderr);
    const sent = await runCli(['--url', redis.url, '--json', 'send', s, '{"order":1}', '"two"', '3']);
    assert.equal(sent.code, 0, sent.stderr);
    const sentDoc = parseJson<{ sent: number; ids: string[] }>(sent);
    assert.equal(sentDoc.sent, 3);
    assert.equal(sentDoc.ids.length, 3);
    const piped = await runCli(['--url', redis.url, 'send', s], { input: '{"order":4}\n\n{"order":5}\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /sent 2 messages/);
    const stats = await runCli(['--url', redis.url, 'stats', s, '--json']);
    assert.equal(stats.code, 0, stats.stderr);
    const doc = parseJson<{ stream: string; length: number; groups: { name: string; lag: number; pending: number; consumerList: unknown[] }[] }>(stats);
    assert.equal(doc.stream, s);
    assert.equal(doc.length, 5);
    assert.equal(doc.groups[0]?.name, 'workers');
    assert.equal(doc.groups[0]?.lag, 5);
    assert.deepEqual(doc.groups[0]?.consumerList, []);
    const all = await runCli(['--url', redis.url, '--json', 'stats']);
    assert.ok(parseJson<{ streams: { stream: string }[] }>(all).streams.some((r) => r.stream === s));
    const table = await runCli(['--url', redis.url, 'stats', s]);
    assert.match(table.stdout, /STREAM\s+LENGTH\s+GROUPS/);
    assert.match(table.stdout, new RegExp(`${s}\\s+workers\\s+0\\s+0\\s+5`));
  });

  it('stats shows each priority level of a stream that has them', async () => {
    const s = stream('cli-levels');
    const producer = new Producer<number>({ stream: s, redis: redis.url, priorities: ['high', 'default', 'low'] });
    try {
      await producer.sendMany([1, 2], { priority: 'high' });
      await producer.send(3, { priority: 'low' });
    } finally {
      await producer.close();
    }
    const json = parseJson<{ priorities: { level: string; length: number }[] }>(await runCli(['--url', redis.url, 'stats', s, '--json']));
    assert.deepEqual(json.priorities.map((p) => [p.level, p.length]), [['high', 2], ['default', 0], ['low', 1]]);
    const table = await runCli(['--url', redis.url, 'stats', s]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /PRIORITY/);
    assert.match(table.stdout, new RegExp(`${s}\\s+high\\s+2`));
    assert.match(table.stdout, new RegExp(`${s}\\s+low\\s+1`));
  });

  it('refuses invalid NDJSON naming the line, and sends nothing', async () => {
    const s = stream('cli-bad');
    const result = await runCli(['--url', redis.url, 'send', s], { input: '{"ok":1}\n{"ok":2}\n{oops\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /stdin: line 3: not valid JSON/);
    const stats = await runCli(['--url', redis.url, '--json', 'stats', s]);
    assert.equal(stats.code, 4, 'the stream was never created');
    assert.match(stats.stderr, new RegExp(`stream ${s} does not exist`));
  });

  it('consume --count prints messages and acks them; --exec acks on exit 0', async () => {
    const s = stream('cli-consume');
    await runCli(['--url', redis.url, 'send', s, '{"n":1}', '{"n":2}', '{"n":3}']);
    const printed = await runCli(['--url', redis.url, 'consume', s, '--group', 'g', '--name', 'c1', '--count', '2']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /c1\s+deliveries=1\s+\{"n":1\}/);
    assert.match(printed.stdout, /\{"n":2\}/);
    const piped = await runCli(['--url', redis.url, 'consume', s, '--group', 'g', '--name', 'c2', '--count', '1', '--exec', 'cat; echo " <- $STREAMQ_ID"']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /"data":\{"n":3\}[\s\S]* <- \d+-\d+/);
    const pending = parseJson<{ entries: unknown[] }>(await runCli(['--url', redis.url, '--json', 'pending', s, '--group', 'g']));
    assert.deepEqual(pending.entries, []);
  });
});

describe('streamq consume and signals', () => {
  it('SIGINT closes gracefully: in-flight work finishes, exit 0, nothing pending', async () => {
    const s = stream('cli-sigint');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--url', redis.url, 'consume', s, '--group', 'g', '--name', 'c', '--exec', 'sleep 2; cat >/dev/null'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor(() => stderr.includes('consuming'), { deadlineMs: 20_000, description: 'consumer started' });
      const admin = new Admin({ redis: redis.url });
      const producer = new Producer<unknown>({ stream: s, redis: redis.url });
      try {
        await producer.send({ slow: true });
        await waitFor(async () => (await admin.pending(s, 'g')).length === 1, { deadlineMs: 10_000, description: 'message in flight' });
        child.kill('SIGINT');
        assert.equal(await exited, 0, stderr);
        assert.match(stderr, /SIGINT: closing/);
        assert.deepEqual(await admin.pending(s, 'g'), [], 'the in-flight message finished and was acknowledged');
      } finally {
        await producer.close();
        await admin.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('streamq dead-letters', () => {
  it('lists, dry-runs, replays and purges dead letters', async () => {
    const s = stream('cli-dlq');
    await makeDeadLetters(redis.url, s, 'g', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const list = await runCli(['--url', redis.url, '--json', 'dead-letters', 'list', s]);
    assert.equal(list.code, 0, list.stderr);
    const letters = parseJson<{ deadLetters: { id: string; group: string; reason: string }[] }>(list).deadLetters;
    assert.equal(letters.length, 3);
    assert.equal(letters[0]?.group, 'g');
    assert.match(letters[0]?.reason ?? '', /poison/);
    const table = await runCli(['--url', redis.url, 'dead-letters', 'list', s]);
    assert.match(table.stdout, /ORIGINAL ID/);
    const dry = await runCli(['--url', redis.url, 'dlq', 'replay', s, '--all', '--dry-run']);
    assert.match(dry.stdout, /dry run: would replay 3 dead letters/);
    const one = await runCli(['--url', redis.url, '--json', 'dead-letters', 'replay', s, '--id', letters[0]?.id ?? '']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(parseJson<{ replayed: number }>(one).replayed, 1);
    const rest = await runCli(['--url', redis.url, 'dead-letters', 'replay', s, '--all']);
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, /replayed 2 dead letters/);
    const stats = parseJson<{ deadLetters: number; length: number }>(await runCli(['--url', redis.url, '--json', 'stats', s]));
    assert.equal(stats.deadLetters, 0);
    assert.equal(stats.length, 6, 'three originals and three replayed entries');
  });

  it('purge needs --yes', async () => {
    const s = stream('cli-purge');
    await makeDeadLetters(redis.url, s, 'g', [{ n: 1 }]);
    const refused = await runCli(['--url', redis.url, 'dead-letters', 'purge', s, '--all']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /without --yes/);
    const purged = await runCli(['--url', redis.url, '--json', 'dead-letters', 'purge', s, '--all', '--yes']);
    assert.equal(parseJson<{ purged: number }>(purged).purged, 1);
  });
});

describe('streamq groups and trim', () => {
  it('groups delete without --yes refuses (exit 2) and keeps the group; with --yes deletes it', async () => {
    const s = stream('cli-groups');
    await runCli(['--url', redis.url, 'groups', 'create', s, 'g']);
    const refused = await runCli(['--url', redis.url, 'groups', 'delete', s, 'g']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to delete group g .*without --yes/);
    const listed = parseJson<{ groups: { name: string }[] }>(await runCli(['--url', redis.url, '--json', 'groups', 'list', s]));
    assert.deepEqual(listed.groups.map((g) => g.name), ['g']);
    const deleted = await runCli(['--url', redis.url, 'groups', 'delete', s, 'g', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted group g/);
  });

  it('trim is safe by default and needs --yes for --unsafe', async () => {
    const s = stream('cli-trim');
    await runCli(['--url', redis.url, 'groups', 'create', s, 'g', '--start-at', '0']);
    await runCli(['--url', redis.url, 'send', s, '1', '2', '3']);
    const safe = parseJson<{ removed: number }>(await runCli(['--url', redis.url, '--json', 'trim', s, '--max-len', '0']));
    assert.equal(safe.removed, 0, 'nothing was read by the group yet');
    assert.equal((await runCli(['--url', redis.url, 'trim', s, '--max-len', '0', '--unsafe'])).code, 2);
    assert.equal((await runCli(['--url', redis.url, 'trim', s])).code, 2);
    const unsafe = parseJson<{ removed: number }>(await runCli(['--url', redis.url, '--json', 'trim', s, '--max-len', '1', '--unsafe', '--yes']));
    assert.equal(unsafe.removed, 2);
  });
});

describe('exit codes', () => {
  it('usage errors exit 2, --help exits 0', async () => {
    assert.equal((await runCli(['nope'])).code, 2);
    assert.equal((await runCli(['consume', 'x'])).code, 2, 'missing --group');
    assert.equal((await runCli(['pending', 'x', '--group', 'g', '--count', 'zero'])).code, 2);
    const help = await runCli(['consume', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--group <group>/);
    assert.match(help.stdout, /--url <url>/, 'global options are shown');
  });

  it('cannot connect exits 3 and never prints the password', async () => {
    const result = await runCli(['--url', 'redis://admin:hunter2secret@127.0.0.1:1', 'stats']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /cannot connect to Redis at redis:\/\/admin:\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2secret/);
    const fromEnv = await runCli(['stats'], { env: { REDIS_URL: 'redis://:hunter2secret@127.0.0.1:1' } });
    assert.equal(fromEnv.code, 3);
    assert.doesNotMatch(fromEnv.stdout + fromEnv.stderr, /hunter2secret/);
  });
});
