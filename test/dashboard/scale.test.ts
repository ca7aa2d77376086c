/**
 * Scale promises of the dashboard, measured on a dedicated redis-server: 1,000 streams (each with
 * a group and pending entries) listed by /api/overview in under 1 s, and a 1,000,000-entry stream
 * paged in under 200 ms per page (newest, deep pages, jump to a time, dead letters).
 * The figures are printed (`# …`) for docs/dashboard.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { rawClient, type RawClient } from '../integration/helpers.js';
import { RedisServer } from '../support/redis-server.js';
import { request } from './helpers.js';

const STREAMS = 1000;
const BIG = 1_000_000;
/** The promises of issue 12, asserted as they are (measured well under them on a loaded 2-vCPU box). */
const LIST_LIMIT_MS = 1000;
const PAGE_LIMIT_MS = 200;

let server: RedisServer;
let raw: RawClient;
let admin: Admin;
let dashboard: Dashboard;
const big = 'scale-big';

/** Fills `big` with BIG entries in Lua loops of 100,000 (one round trip each). */
const fillBig = async (): Promise<void> => {
  const script = "for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'd', '{\"n\":' .. i .. ',\"note\":\"filler\"}') end return 1";
  for (let done = 0; done < BIG; done += 100_000) await raw.sendCommand(['EVAL', script, '1', big, '100000']);
  await raw.sendCommand(['XGROUP', 'CREATE', big, 'g', '0']);
};

before(async () => {
  server = await RedisServer.start();
  raw = await rawClient(server.url);
  const started = performance.now();
  const commands: Promise<unknown>[] = [];
  for (let i = 0; i < STREAMS; i++) {
    const name = `scale-${String(i).padStart(4, '0')}`;
    commands.push(raw.sendCommand(['XADD', name, '*', 'd', '{}']), raw.sendCommand(['XGROUP', 'CREATE', name, 'g', '0']));
    commands.push(raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', name, '>']));
  }
  await Promise.all(commands);
  await fillBig();
  console.log(`set-up: ${STREAMS} streams and a ${BIG.toLocaleString('en-US')}-entry stream in ${Math.round(performance.now() - started)} ms`);
  admin = new Admin({ redis: server.url });
  dashboard = await startDashboard({ admin, port: 0 });
});

after(async () => {
  await dashboard?.close();
  await admin?.close();
  await raw?.close();
  await server?.stop();
});

const timed = async (path: string): Promise<{ ms: number; json: <T>() => T; status: number; text: string }> => {
  const t = performance.now();
  const res = await request(dashboard.url, path);
  return { ms: performance.now() - t, json: res.json, status: res.status, text: res.text };
};

describe(`${STREAMS} streams`, () => {
  it('are listed by /api/overview in under 1 s, cold (first sample) and warm', async () => {
    const cold = await timed('/api/overview');
    assert.equal(cold.status, 200, cold.text.slice(0, 200));
    const body = cold.json<{ streams: { stream: string; pending: number }[]; sampleMs: number }>();
    assert.equal(body.streams.length, STREAMS + 1);
    assert.ok(body.streams.every((s) => s.stream === big || s.pending === 1), 'every row has its stats');
    const warm = [];
    for (let i = 0; i < 3; i++) warm.push((await timed('/api/overview')).ms);
    const legacy = await timed('/api/streams');
    console.log(`${STREAMS + 1} streams: overview cold ${Math.round(cold.ms)} ms (one sample of every stream: ${body.sampleMs} ms), warm ${warm.map(Math.round).join('/')} ms; /api/streams (stats per stream) ${Math.round(legacy.ms)} ms`);
    assert.ok(cold.ms < LIST_LIMIT_MS, `cold overview took ${Math.round(cold.ms)} ms`);
    assert.ok(Math.max(...warm) < LIST_LIMIT_MS, `warm overview took ${Math.max(...warm)} ms`);
    assert.ok(legacy.ms < LIST_LIMIT_MS * 2, `/api/streams took ${Math.round(legacy.ms)} ms`);
  });
});

describe(`a ${BIG.toLocaleString('en-US')}-entry stream`, () => {
  it('pages in under 200 ms per page: newest, 20 pages back, a jump to a time, the oldest, its pending entries', async () => {
    const enc = encodeURIComponent(big);
    const times: Record<string, number> = {};
    const page = async (label: string, path: string): Promise<{ id: string }[]> => {
      const res = await timed(path);
      assert.equal(res.status, 200, res.text.slice(0, 200));
      times[label] = Math.round(res.ms);
      return res.json<{ entries: { id: string }[] }>().entries;
    };
    let entries = await page('newest', `/api/streams/${enc}/entries?reverse=true&count=25`);
    assert.equal(entries.length, 25);
    for (let i = 0; i < 20; i++) entries = await page(`older ${i + 1}`, `/api/streams/${enc}/entries?reverse=true&count=25&end=${encodeURIComponent(`(${entries[entries.length - 1]?.id}`)}`);
    const info = await admin.snapshot(big);
    assert.equal(info.length, BIG);
    const middle = Math.round((Number(info.firstId?.split('-')[0]) + Number(info.lastId?.split('-')[0])) / 2);
    assert.equal((await page('jump to a time', `/api/streams/${enc}/entries?reverse=true&count=25&end=${middle}`)).length, 25);
    assert.equal((await page('oldest', `/api/streams/${enc}/entries?count=25`)).length, 25);
    const stats = await timed(`/api/streams/${enc}`);
    times.stats = Math.round(stats.ms);
    await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1000', 'STREAMS', big, '>']);
    const pending = await timed(`/api/streams/${enc}/groups/g/pending?count=50`);
    times.pending = Math.round(pending.ms);
    const worst = Math.max(...Object.values(times));
    console.log(`${BIG.toLocaleString('en-US')}-entry stream, ms per request: ${JSON.stringify(times)}`);
    assert.ok(worst < PAGE_LIMIT_MS, `slowest page took ${worst} ms`);
  });
});
