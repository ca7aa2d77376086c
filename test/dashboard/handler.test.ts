/**
 * createDashboardHandler mounted under a base path in Express and in Fastify (real servers, real
 * Redis): page and API under the path, paths outside it left to the application, token rules,
 * same-origin writes behind https, the Host rule without a token; and registerPromClient.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Admin, Metrics, MetricsRegistry, InvalidOptionError } from '../../src/index.js';
import { createDashboardHandler, registerPromClient, type DashboardHandler } from '../../src/dashboard/server.js';
import { dropStream } from '../cli/helpers.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { request } from './helpers.js';

const TOKEN = 'mounted-token-123';
let redis: UsedRedis;
let admin: Admin;
const stream = uniqueName('mounted');
const enc = encodeURIComponent(stream);

before(async () => {
  redis = await useRedis();
  admin = new Admin({ redis: redis.url });
  await admin.createGroup(stream, 'g');
});

after(async () => {
  await dropStream(redis.url, stream).catch(() => undefined);
  await admin?.close();
  await redis?.close();
});

/** The checks every mount must pass: `base` is the app's URL, the dashboard under `/queues`. */
const checkMounted = async (base: string): Promise<void> => {
  const bare = await request(base, '/queues');
  assert.equal(bare.status, 308, 'the bare base path redirects to the page');
  assert.equal(bare.headers.location, '/queues/');
  const page = await request(base, '/queues/');
  assert.equal(page.status, 200);
  assert.match(page.text, /<script type="module" src="page.js">/, 'relative asset URLs: they resolve under the base path');
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.equal((await request(base, '/queues/page.js')).status, 200);
  assert.equal((await request(base, '/queues/api/overview')).status, 401, 'reads need the token');
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const overview = await request(base, '/queues/api/overview', { headers: auth });
  assert.equal(overview.status, 200, overview.text);
  assert.ok(overview.json<{ streams: { stream: string }[] }>().streams.some((s) => s.stream === stream));
  assert.equal((await request(base, '/elsewhere')).text, 'the app', 'outside the base path: the application answers');
  const host = new URL(base).host;
  const post = (origin: string) => request(base, `/queues/api/streams/${enc}/groups/g/pause`, {
    method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', Origin: origin }, body: JSON.stringify({ forMs: 60_000 }),
  });
  assert.equal((await post('http://evil.example')).status, 403);
  const paused = await post(`https://${host}`);
  assert.equal(paused.status, 200, `behind TLS the origin is https: ${paused.text}`);
  assert.equal((await admin.snapshot(stream)).groups[0]?.paused, true);
  const resumed = await request(base, `/queues/api/streams/${enc}/groups/g/resume`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', Origin: `http://${host}` }, body: '{}' });
  assert.equal(resumed.json<{ resumed: boolean }>().resumed, true);
};

describe('createDashboardHandler in Express', () => {
  let server: Server;
  let handler: DashboardHandler;
  before(async () => {
    handler = createDashboardHandler({ redis: redis.url, token: TOKEN, basePath: '/queues' });
    const app = express();
    app.use(express.json()); // a body parsed by the app is taken as it is
    app.use('/queues', handler);
    app.get('/elsewhere', (_req, res) => void res.send('the app'));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await handler.close();
  });

  it('serves the page and the API under /queues, with the token and origin rules', async () => {
    await checkMounted(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
});

describe('createDashboardHandler in Fastify', () => {
  let app: FastifyInstance;
  let handler: DashboardHandler;
  before(async () => {
    handler = createDashboardHandler({ admin, token: TOKEN, basePath: '/queues' });
    app = Fastify();
    await app.register(async (scope) => {
      // Leave request bodies to the dashboard (this scope only).
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      const forward = (req: { raw: Parameters<DashboardHandler>[0] }, reply: { hijack(): void; raw: Parameters<DashboardHandler>[1] }): void => {
        reply.hijack();
        handler(req.raw, reply.raw);
      };
      scope.all('/queues', forward);
      scope.all('/queues/*', forward);
    });
    app.get('/elsewhere', async () => 'the app');
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await handler.close();
  });

  it('serves the page and the API under /queues, with the token and origin rules', async () => {
    await checkMounted(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  });
});

describe('createDashboardHandler options and Host rule', () => {
  it('refuses bad options with clear messages', () => {
    assert.throws(() => createDashboardHandler({} as never), /Expected `admin` or `redis`/);
    assert.throws(() => createDashboardHandler({ admin, basePath: 'queues' }), InvalidOptionError);
    assert.throws(() => createDashboardHandler({ admin, sampleIntervalMs: 10 }), /Expected `sampleIntervalMs` to be an integer from 250/);
    assert.throws(() => createDashboardHandler({ admin, tokn: 'x' } as never), /tokn/);
  });

  it('without a token answers loopback Host names only (and allowedHosts)', async () => {
    const handler = createDashboardHandler({ admin, allowedHosts: ['dash.internal'] });
    const app = express();
    app.use(handler);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.equal((await request(base, '/api/info')).status, 200);
      assert.equal((await request(base, '/api/info', { headers: { Host: 'dash.internal:8080' } })).status, 200);
      assert.equal((await request(base, '/api/info', { headers: { Host: 'rebound.attacker.example' } })).status, 403);
      const post = await request(base, `/api/streams/${enc}/groups/g/pause`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      assert.equal(post.json<{ error: { code: string } }>().error.code, 'read_only');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
    }
  });
});

describe('registerPromClient', () => {
  it("puts streamq's counters, gauge and histogram into a prom-client registry, read at each scrape", async () => {
    const source = new MetricsRegistry();
    const metrics = new Metrics({ stream: 'orders', group: 'billing' });
    source.register(metrics);
    const registry = new Registry();
    const { names, unregister } = registerPromClient(registry, { prefix: 'app_', source });
    metrics.counters.acked = 7;
    metrics.observeHandler(0.02);
    const text = await registry.metrics();
    assert.match(text, /^# TYPE app_streamq_acked_total counter$/m);
    assert.match(text, /^app_streamq_acked_total\{stream="orders",group="billing"\} 7$/m);
    assert.match(text, /^app_streamq_handler_duration_seconds_bucket\{stream="orders",group="billing",le="0\.05"\} 1$/m);
    assert.match(text, /^app_streamq_handler_duration_seconds_count\{stream="orders",group="billing"\} 1$/m);
    assert.match(text, /^app_streamq_in_flight\{stream="orders",group="billing"\} 0$/m);
    metrics.counters.acked = 9;
    assert.match(await registry.metrics(), /^app_streamq_acked_total\{stream="orders",group="billing"\} 9$/m, 'read again at each scrape');
    assert.throws(() => registerPromClient(registry, { prefix: 'app_', source }), /already/, 'prom-client refuses a second registration');
    assert.ok(names.includes('app_streamq_in_flight'));
    unregister();
    assert.doesNotMatch(await registry.metrics(), /streamq/);
  });
});
