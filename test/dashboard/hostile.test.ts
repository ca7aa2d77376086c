/**
 * One hostile key must not blank everything: with a stream whose name holds control and bidi
 * characters, one whose name is 1,500 characters long, and a stream whose dead-letter key is a
 * string (`SET {victim}:dead x`), `/api/streams`, `/metrics` and `streamq stats` still list every
 * other stream; the failing one gets an error row; names from Redis are read, never refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, streamKeys } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { dropStream, parseJson, runCli } from '../cli/helpers.js';
import { rawClient, type RawClient } from '../integration/helpers.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { request } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
let admin: Admin;
let dashboard: Dashboard;
const tag = uniqueName('hostile');
const plain = `${tag}-plain`;
const control = `${tag}-ctl\u0007\u001b[31m\nname`;
const bidi = `${tag}-bidi\u202egpj.exe`;
const long = `${tag}-${'L'.repeat(1500)}`;
const victim = `${tag}-victim`;
const names = [plain, control, bidi, long, victim];

before(async () => {
  redis = await useRedis();
  raw = await rawClient(redis.url);
  for (const name of names) await raw.sendCommand(['XADD', name, '*', 'd', '1']);
  await raw.sendCommand(['XGROUP', 'CREATE', control, 'g\u0000ctl', '0']);
  await raw.sendCommand(['SET', streamKeys(victim).dead, 'x']);
  admin = new Admin({ redis: redis.url });
  dashboard = await startDashboard({ admin, port: 0 });
});

after(async () => {
  await dashboard?.close();
  await raw?.sendCommand(['DEL', streamKeys(victim).dead]);
  for (const name of names) await dropStream(redis.url, name).catch(() => undefined);
  await admin?.close();
  await raw?.close();
  await redis?.close();
});

interface Row { stream: string; length?: number; groups?: { name: string }[]; error?: { code: string; message: string } }

describe('Admin reads names that come from Redis', () => {
  it('stats, consumers and pending accept control characters and names over 1024 characters', async () => {
    assert.equal((await admin.stats(control)).length, 1);
    assert.equal((await admin.stats(long)).length, 1);
    assert.deepEqual(await admin.consumers(control, 'g\u0000ctl'), []);
    assert.deepEqual(await admin.pending(control, 'g\u0000ctl'), []);
    await assert.rejects(admin.createGroup(`${tag}-new\u0007`, 'g'), /Expected `stream` to contain no control characters/, 'names typed for writes are still validated');
  });
});

describe('/api/streams and /metrics with hostile keys', () => {
  it('lists every stream, the unreadable one as an error row', async () => {
    const res = await request(dashboard.url, '/api/streams');
    assert.equal(res.status, 200, res.text);
    const rows = res.json<{ streams: Row[] }>().streams.filter((row) => row.stream.startsWith(tag));
    assert.deepEqual(rows.map((row) => row.stream).sort(), [...names].sort(), 'every stream is listed, names verbatim');
    for (const row of rows.filter((r) => r.stream !== victim)) assert.equal(row.length, 1, row.stream.slice(0, 40));
    const failed = rows.find((row) => row.stream === victim);
    assert.equal(failed?.error?.code, 'ERR_STREAMQ_WRONG_TYPE');
    assert.match(failed?.error?.message ?? '', /WRONGTYPE/);
    assert.deepEqual(rows.find((row) => row.stream === control)?.groups?.map((g) => g.name), ['g\u0000ctl']);
  });

  it('serves the per-stream routes of such names', async () => {
    for (const name of [control, long, bidi]) {
      const res = await request(dashboard.url, `/api/streams/${encodeURIComponent(name)}`);
      assert.equal(res.status, 200, `${name.slice(0, 40)}: ${res.text.slice(0, 200)}`);
      assert.equal(res.json<{ stream: string }>().stream, name);
    }
    const consumers = await request(dashboard.url, `/api/streams/${encodeURIComponent(control)}/groups/${encodeURIComponent('g\u0000ctl')}/consumers`);
    assert.equal(consumers.status, 200, consumers.text);
    const victimRoute = await request(dashboard.url, `/api/streams/${encodeURIComponent(victim)}`);
    assert.equal(victimRoute.status, 409, 'the wrong-type key is reported for that stream alone');
  });

  it('/api/overview (the sampler) lists every stream too, the unreadable one as an error row', async () => {
    const res = await request(dashboard.url, '/api/overview');
    assert.equal(res.status, 200, res.text);
    const rows = res.json<{ streams: (Row & { pending?: number })[] }>().streams.filter((row) => row.stream.startsWith(tag));
    assert.deepEqual(rows.map((row) => row.stream).sort(), [...names].sort());
    assert.equal(rows.find((row) => row.stream === victim)?.error?.code, 'ERR_STREAMQ_WRONG_TYPE');
    for (const row of rows.filter((r) => r.stream !== victim)) assert.equal(row.length, 1, row.stream.slice(0, 40));
  });

  it('/metrics serves every other stream and counts the failure', async () => {
    const first = await request(dashboard.url, '/metrics');
    assert.equal(first.status, 200, first.text);
    assert.match(first.text, new RegExp(`^streamq_stream_length\\{stream="${plain}"\\} 1$`, 'm'));
    assert.match(first.text, new RegExp(`^streamq_stream_length\\{stream="${tag}-ctl\u0007\u001b\\[31m\\\\nname"\\} 1$`, 'm'), 'label escaped');
    assert.match(first.text, new RegExp(`^streamq_stream_length\\{stream="${tag}-L{1500}"\\} 1$`, 'm'));
    assert.doesNotMatch(first.text, new RegExp(`stream="${victim}"`));
    assert.match(first.text, /^streamq_dashboard_streams_unreadable 1$/m);
    const total = Number(/^streamq_dashboard_stream_errors_total (\d+)$/m.exec(first.text)?.[1]);
    assert.ok(total >= 1);
    const second = await request(dashboard.url, '/metrics');
    assert.match(second.text, new RegExp(`^streamq_dashboard_stream_errors_total ${total + 1}$`, 'm'), 'a counter: one more per failing scrape');
  });
});

describe('streamq stats with hostile keys', () => {
  it('lists the other streams, prints the failing one with its error, names escaped, and exits 1', async () => {
    const result = await runCli(['--url', redis.url, 'stats']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`^${plain}\\s+1\\s+0`, 'm'));
    assert.ok(result.stdout.includes(`${tag}-ctl\\x07\\x1b[31m\\nname`), 'control characters shown as escapes');
    assert.ok(result.stdout.includes(`${tag}-bidi\\u202egpj.exe`), 'bidi control neutralised');
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0007\u001b\u202e]/.test(result.stdout), 'no raw control or bidi character reaches the terminal');
    assert.match(result.stdout, new RegExp(`^${victim}: cannot read: .*WRONGTYPE.* \\(ERR_STREAMQ_WRONG_TYPE\\)$`, 'm'));
    assert.match(result.stderr, /streamq: 1 of \d+ streams could not be read/);
    const json = parseJson<{ streams: Row[] }>(await runCli(['--url', redis.url, '--json', 'stats']));
    const rows = json.streams.filter((row) => row.stream.startsWith(tag));
    assert.equal(rows.length, names.length);
    assert.equal(rows.find((row) => row.stream === victim)?.error?.code, 'ERR_STREAMQ_WRONG_TYPE');
    assert.equal(rows.find((row) => row.stream === long)?.length, 1);
  });
});
