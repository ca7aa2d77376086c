/**
 * Redis going away after the dashboard started: the API and `/metrics` answer 503
 * `REDIS_UNAVAILABLE` (with since when) within 3 s instead of hanging, and the dashboard recovers
 * by itself when Redis is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { waitFor } from '../support/poll.js';
import { RedisServer, uniqueName } from '../support/redis-server.js';
import { request, type HttpResult } from './helpers.js';

let server: RedisServer;
let admin: Admin;
let dashboard: Dashboard;
const stream = uniqueName('outage');
/** The promise: an answer within 3 s while Redis is away (the Admin's default limit is 2 s). */
const LIMIT_MS = 3000;

before(async () => {
  server = await RedisServer.start();
  admin = new Admin({ redis: server.url });
  await admin.createGroup(stream, 'g');
  dashboard = await startDashboard({ admin, port: 0 });
});

after(async () => {
  await dashboard?.close();
  await admin?.close();
  await server?.stop();
});

/** GETs `path` and measures how long the answer took. */
const timed = async (path: string): Promise<{ res: HttpResult; ms: number }> => {
  const started = performance.now();
  const res = await request(dashboard.url, path);
  return { res, ms: performance.now() - started };
};

interface Unavailable { error: { code: string; message: string; since: string } }

describe('dashboard while Redis is down', () => {
  it('answers 503 REDIS_UNAVAILABLE within 3 s, then recovers by itself when Redis is back', async () => {
    assert.equal((await request(dashboard.url, '/api/streams')).status, 200);
    const killedAt = Date.now();
    await server.kill();

    const seen: Record<string, number> = {};
    let since: string | undefined;
    for (const path of ['/api/streams', `/api/streams/${stream}`, `/api/streams/${stream}/groups/g/consumers`, '/metrics']) {
      const { res, ms } = await timed(path);
      seen[path] = Math.round(ms);
      assert.equal(res.status, 503, `${path}: ${res.text}`);
      assert.ok(ms < LIMIT_MS, `${path} answered after ${Math.round(ms)} ms`);
      const body = res.json<Unavailable>();
      assert.equal(body.error.code, 'REDIS_UNAVAILABLE');
      const at = Date.parse(body.error.since);
      assert.ok(at >= killedAt - 1000 && at <= Date.now(), `since ${body.error.since}`);
      since ??= body.error.since;
      assert.equal(body.error.since, since, 'one outage, one start time');
    }
    console.log(`# answer times while Redis was down (ms): ${JSON.stringify(seen)}`);

    const page = await request(dashboard.url, '/');
    assert.equal(page.status, 200, 'the page itself is still served');

    await server.restart();
    const recovered = await waitFor(async () => {
      const res = await request(dashboard.url, '/api/streams');
      return res.status === 200 ? res : undefined;
    }, { deadlineMs: 15_000, description: 'the API answering again' });
    assert.ok(Array.isArray(recovered.json<{ streams: unknown[] }>().streams), 'a list again (the data was in memory only)');
    assert.equal((await request(dashboard.url, '/metrics')).status, 200);
  });
});
