import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Producer } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { dropStream, makeDeadLetters } from '../cli/helpers.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { request } from './helpers.js';

const TOKEN = 'test-token-0123456789';
let redis: UsedRedis;
let admin: Admin;
let readOnly: Dashboard;
let writable: Dashboard;
const stream = uniqueName('dash-api');
const json = { 'Content-Type': 'application/json' };

before(async () => {
  redis = await useRedis();
  admin = new Admin({ redis: redis.url });
  await admin.createGroup(stream, 'g', { startAt: '0' });
  const producer = new Producer<unknown>({ stream, redis: redis.url });
  await producer.sendMany([{ n: 1 }, { n: 2 }]);
  await producer.close();
  await makeDeadLetters(redis.url, stream, 'poison-group', [{ bad: 1 }, { bad: 2 }]);
  readOnly = await startDashboard({ admin, port: 0 });
  writable = await startDashboard({ admin, port: 0, token: TOKEN });
});

after(async () => {
  await readOnly?.close();
  await writable?.close();
  await dropStream(redis.url, stream).catch(() => undefined);
  await admin?.close();
  await redis?.close();
});

const enc = encodeURIComponent(stream);

describe('dashboard API (GET)', () => {
  it('serves the page and its script with the security headers', async () => {
    const page = await request(readOnly.url, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'; script-src 'self'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.doesNotMatch(page.text, /<script>[^<]/, 'no inline script');
    const script = await request(readOnly.url, '/page.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /text\/javascript/);
  });

  it('lists streams with their stats and answers per-stream routes', async () => {
    const list = await request(readOnly.url, '/api/streams');
    assert.equal(list.status, 200);
    const found = list.json<{ streams: { stream: string; length: number }[] }>().streams.find((s) => s.stream === stream);
    assert.ok(found, 'the test stream is listed');
    const stats = (await request(readOnly.url, `/api/streams/${enc}`)).json<{ length: number; groups: { name: string; lag: number }[]; deadLetters: number }>();
    assert.equal(stats.deadLetters, 2);
    assert.equal(stats.groups.find((g) => g.name === 'g')?.lag, 4);
    const consumers = await request(readOnly.url, `/api/streams/${enc}/groups/poison-group/consumers`);
    assert.equal(consumers.status, 200);
    assert.deepEqual(consumers.json<{ consumers: { pending: number }[] }>().consumers.map((c) => c.pending), [0], 'the dead-lettering consumer, kept in its group on close (makeDeadLetters), holds nothing');
    const pending = await request(readOnly.url, `/api/streams/${enc}/groups/g/pending?count=10`);
    assert.deepEqual(pending.json<{ entries: unknown[] }>().entries, []);
    const entries = await request(readOnly.url, `/api/streams/${enc}/entries?count=2&reverse=true`);
    assert.equal(entries.json<{ entries: unknown[] }>().entries.length, 2);
    const letters = await request(readOnly.url, `/api/streams/${enc}/dead-letters`);
    assert.equal(letters.json<{ deadLetters: { group: string }[] }>().deadLetters[0]?.group, 'poison-group');
  });

  it('answers 404 JSON for unknown routes, streams and groups, and 400 for bad parameters', async () => {
    for (const path of ['/api/nope', '/nope.js', `/api/streams/${enc}/whatever`, `/api/streams/${uniqueName('none')}`, `/api/streams/${enc}/groups/nogroup/consumers`]) {
      const res = await request(readOnly.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'not_found');
    }
    assert.equal((await request(readOnly.url, `/api/streams/${enc}/entries?count=0`)).status, 400);
    assert.equal((await request(readOnly.url, `/api/streams/${enc}/entries?start=DROP`)).status, 400);
    assert.equal((await request(readOnly.url, '/api/streams/%E0%A4%A')).status, 400);
    assert.equal((await request(readOnly.url, '/api/streams', { method: 'DELETE' })).status, 405);
  });

  it('refuses requests with a foreign Host header (DNS rebinding)', async () => {
    const res = await request(readOnly.url, '/api/streams', { headers: { Host: 'attacker.example:7420' } });
    assert.equal(res.status, 403);
  });

  it('serves Prometheus metrics with per-stream gauges', async () => {
    const res = await request(readOnly.url, '/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.match(res.text, /# TYPE streamq_sent_total counter/);
    assert.match(res.text, new RegExp(`^streamq_stream_length\\{stream="${stream}"\\} 4$`, 'm'));
    assert.match(res.text, new RegExp(`^streamq_group_lag\\{stream="${stream}",group="g"\\} 4$`, 'm'));
    assert.match(res.text, new RegExp(`^streamq_stream_dead_letters\\{stream="${stream}"\\} 2$`, 'm'));
  });
});

describe('dashboard API (POST)', () => {
  const replay = `/api/streams/${enc}/dead-letters/replay`;
  const body = JSON.stringify({ all: true });

  it('is read-only without a token: 403 with a JSON error', async () => {
    const res = await request(readOnly.url, replay, { method: 'POST', headers: { ...json, Authorization: `Bearer ${TOKEN}` }, body });
    assert.equal(res.status, 403);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'read_only');
  });

  it('with a token: refuses a missing or wrong token, cross-origin requests and non-JSON bodies', async () => {
    const host = new URL(writable.url).host;
    const noToken = await request(writable.url, replay, { method: 'POST', headers: json, body });
    assert.equal(noToken.status, 403);
    const wrong = await request(writable.url, replay, { method: 'POST', headers: { ...json, Authorization: 'Bearer nope' }, body });
    assert.equal(wrong.status, 403);
    const crossSite = await request(writable.url, replay, { method: 'POST', headers: { ...json, Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' }, body });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.json<{ error: { code: string } }>().error.code, 'cross_origin');
    const fetchMeta = await request(writable.url, replay, { method: 'POST', headers: { ...json, Authorization: `Bearer ${TOKEN}`, 'Sec-Fetch-Site': 'cross-site' }, body });
    assert.equal(fetchMeta.status, 403);
    const form = await request(writable.url, replay, { method: 'POST', headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${TOKEN}`, Origin: `http://${host}` }, body });
    assert.equal(form.status, 415);
    assert.equal((await admin.stats(stream)).deadLetters, 2, 'nothing was replayed');
  });

  it('replays one dead letter, then purges the rest, for a same-origin request with the token', async () => {
    const host = new URL(writable.url).host;
    const headers = { ...json, Authorization: `Bearer ${TOKEN}`, Origin: `http://${host}` };
    const [first] = await admin.deadLetters(stream);
    assert.ok(first);
    const replayed = await request(writable.url, replay, { method: 'POST', headers, body: JSON.stringify({ ids: [first.id] }) });
    assert.equal(replayed.status, 200, replayed.text);
    assert.equal(replayed.json<{ replayed: number }>().replayed, 1);
    const bad = await request(writable.url, replay, { method: 'POST', headers, body: '{"ids":"all"}' });
    assert.equal(bad.status, 400);
    const purged = await request(writable.url, `/api/streams/${enc}/dead-letters/purge`, { method: 'POST', headers, body });
    assert.equal(purged.json<{ purged: number }>().purged, 1);
    assert.equal((await admin.stats(stream)).deadLetters, 0);
  });
});
