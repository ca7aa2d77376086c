import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, InvalidOptionError } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { request } from './helpers.js';
import { escapeLabel, streamGauges } from '../../src/dashboard/metrics.js';
import { BadRequest, bound, inclusive, int, selection, validName } from '../../src/dashboard/params.js';
import { accessOf, allowedHosts, bearerMatches, hostAllowed, isLoopbackHost, isSameOrigin } from '../../src/dashboard/security.js';
import { displayBlock, displayText, neutralizeBidi } from '../../src/dashboard/assets/text.js';
import { sanitize } from '../../src/cli/format.js';

describe('dashboard security checks', () => {
  it('accepts only the exact bearer token', () => {
    assert.equal(bearerMatches('Bearer s3cret', 's3cret'), true);
    assert.equal(bearerMatches('bearer s3cret', 's3cret'), true);
    assert.equal(bearerMatches('Bearer s3cre', 's3cret'), false);
    assert.equal(bearerMatches('Bearer s3cret extra', 's3cret'), false);
    assert.equal(bearerMatches('Basic s3cret', 's3cret'), false);
    assert.equal(bearerMatches(undefined, 's3cret'), false);
  });

  it('treats a POST as same-origin only when Origin matches Host', () => {
    assert.equal(isSameOrigin({ origin: 'http://127.0.0.1:7420', host: '127.0.0.1:7420' }), true);
    assert.equal(isSameOrigin({ origin: 'http://evil.example', host: '127.0.0.1:7420' }), false);
    assert.equal(isSameOrigin({ origin: 'null', host: '127.0.0.1:7420' }), false);
    assert.equal(isSameOrigin({ origin: 'https://127.0.0.1:7420', host: '127.0.0.1:7420' }), false);
    assert.equal(isSameOrigin({ host: '127.0.0.1:7420', secFetchSite: 'cross-site' }), false);
    assert.equal(isSameOrigin({ host: '127.0.0.1:7420', secFetchSite: 'same-origin' }), true);
    assert.equal(isSameOrigin({ host: '127.0.0.1:7420' }), true, 'curl: no Origin, the token decides');
  });

  it('answers only to loopback Host names (DNS rebinding)', () => {
    const hosts = allowedHosts('127.0.0.1', 7420);
    assert.equal(hostAllowed('127.0.0.1:7420', hosts), true);
    assert.equal(hostAllowed('localhost:7420', hosts), true);
    assert.equal(hostAllowed('[::1]:7420', hosts), true);
    assert.equal(hostAllowed('evil.example:7420', hosts), false);
    assert.equal(hostAllowed('127.0.0.1:7421', hosts), false);
    assert.equal(hostAllowed(undefined, hosts), false);
  });
});

describe('Host allow-list beyond loopback', () => {
  it('a wildcard bind answers to loopback names, interface addresses and --allowed-host names only', () => {
    const hosts = allowedHosts('0.0.0.0', 7420, ['dash.example.com', 'proxy.example:8443'], ['10.1.2.3', 'fe80::1']);
    assert.equal(hostAllowed('localhost:7420', hosts), true);
    assert.equal(hostAllowed('10.1.2.3:7420', hosts), true);
    assert.equal(hostAllowed('[fe80::1]:7420', hosts), true);
    assert.equal(hostAllowed('dash.example.com', hosts), true, 'a bare allowed name: behind a proxy on 80/443');
    assert.equal(hostAllowed('DASH.example.com:7420', hosts), true);
    assert.equal(hostAllowed('proxy.example:8443', hosts), true);
    assert.equal(hostAllowed('proxy.example:7420', hosts), false, 'name:port allows that port only');
    assert.equal(hostAllowed('rebound.attacker.example:7420', hosts), false, 'DNS rebinding');
    assert.equal(hostAllowed('10.1.2.3:9999', hosts), false);
  });

  it('a specific bind answers to its own address and the loopback names', () => {
    const hosts = allowedHosts('192.168.1.5', 7420);
    assert.equal(hostAllowed('192.168.1.5:7420', hosts), true);
    assert.equal(hostAllowed('127.0.0.1:7420', hosts), true);
    assert.equal(hostAllowed('evil.example:7420', hosts), false);
  });

  it('tells loopback binds apart', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
  });

  it('grants write with the token, read with the read token, nothing otherwise once a token is set', () => {
    const tokens = { token: 'w-token', readToken: 'r-token' };
    assert.equal(accessOf('Bearer w-token', tokens), 'write');
    assert.equal(accessOf('Bearer r-token', tokens), 'read');
    assert.equal(accessOf('Bearer nope', tokens), 'none');
    assert.equal(accessOf(undefined, tokens), 'none');
    assert.equal(accessOf(undefined, { readToken: 'r-token' }), 'none');
    assert.equal(accessOf(undefined, {}), 'read', 'no token configured: reads are open (loopback only)');
  });
});

describe('displayText (page and CLI)', () => {
  const RLO = '\u202e';
  it('makes control characters visible as \\xNN (\\n, \\r, \\t by name)', () => {
    assert.equal(displayText('a\u0007b\u001b[2Jc\u007f\u0085'), 'a\\x07b\\x1b[2Jc\\x7f\\x85');
    assert.equal(displayText('line1\nline2\r\tx'), 'line1\\nline2\\r\\tx');
  });

  it('neutralises bidi controls and line separators', () => {
    assert.equal(displayText(`invoice${RLO}fdp.exe`), 'invoice\\u202efdp.exe');
    for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029']) {
      const shown = displayText(`x${c}y`);
      assert.ok(!shown.includes(c), `U+${c.charCodeAt(0).toString(16)} is neutralised`);
      assert.equal(shown, `x\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}y`);
    }
    assert.equal(neutralizeBidi(`a\n${RLO}`), 'a\n\\u202e', 'neutralizeBidi keeps line feeds');
  });

  it('keeps ordinary text, unicode and emoji as they are', () => {
    for (const text of ['orders', 'é漢字 🚀', '{tenant}.orders', 'a\\x41']) assert.equal(displayText(text), text);
  });

  it('displayBlock keeps line feeds and tabs for multi-line blocks', () => {
    assert.equal(displayBlock(`{\n\t"a": "${RLO}\u0007"\n}`), '{\n\t"a": "\\u202e\\x07"\n}');
  });

  it('is what the CLI prints data with', () => {
    assert.equal(sanitize(`s${RLO}\u001b`), 's\\u202e\\x1b');
  });
});

describe('dashboard parameters', () => {
  it('validates names, bounds and counts', () => {
    assert.equal(validName('orders', 'stream'), 'orders');
    assert.throws(() => validName('', 'stream'), BadRequest);
    assert.throws(() => validName('a\nb', 'stream'), BadRequest);
    const q = new URLSearchParams('start=(1700000000000-1&end=%2B&count=5&bad=x');
    assert.equal(bound(q, 'start', '-'), '(1700000000000-1');
    assert.equal(bound(q, 'end', '-'), '+');
    assert.equal(int(q, 'count', 50, 1, 1000), 5);
    assert.throws(() => bound(new URLSearchParams('start=*'), 'start', '-'), BadRequest);
    assert.throws(() => int(new URLSearchParams('count=0'), 'count', 50, 1, 1000), BadRequest);
  });

  it('validates replay/purge selections', () => {
    assert.deepEqual(selection({ all: true }), { all: true });
    assert.deepEqual(selection({ ids: ['1-0', '2'] }), { ids: ['1-0', '2'] });
    assert.throws(() => selection({}), BadRequest);
    assert.throws(() => selection({ ids: [] }), BadRequest);
    assert.throws(() => selection({ ids: ['x'] }), BadRequest);
    assert.throws(() => selection({ ids: ['1-0'], all: true }), BadRequest);
    assert.throws(() => selection([1]), BadRequest);
  });
});

describe('dashboard metrics', () => {
  it('renders per-stream and per-group gauges with escaped labels', () => {
    const text = streamGauges([
      {
        stream: 'a"b\\c',
        exists: true,
        length: 7,
        firstId: '1-0',
        lastId: '7-0',
        deadLetters: 2,
        delayed: 0,
        groups: [{ name: 'g', consumers: 1, pending: 3, lag: null, lastDeliveredId: '4-0', entriesRead: null }],
      },
    ]);
    assert.equal(escapeLabel('a"b\\c\n'), 'a\\"b\\\\c\\n');
    assert.match(text, /^# TYPE streamq_stream_length gauge$/m);
    assert.match(text, /^streamq_stream_length\{stream="a\\"b\\\\c"\} 7$/m);
    assert.match(text, /^streamq_stream_dead_letters\{stream="a\\"b\\\\c"\} 2$/m);
    assert.match(text, /^streamq_group_pending\{stream="a\\"b\\\\c",group="g"\} 3$/m);
    assert.doesNotMatch(text, /^streamq_group_lag\{/m, 'unknown lag is left out');
  });
});

describe('dashboard access control (a real server)', () => {
  const TOKEN = 'write-token-0123456789';
  const READ_TOKEN = 'read-token-0123456789';
  let redis: UsedRedis;
  let admin: Admin;
  let protectedDash: Dashboard;
  let wildcard: Dashboard;
  const stream = uniqueName('dash-sec');

  before(async () => {
    redis = await useRedis();
    admin = new Admin({ redis: redis.url });
    await admin.createGroup(stream, 'g');
    protectedDash = await startDashboard({ admin, port: 0, token: TOKEN, readToken: READ_TOKEN });
    wildcard = await startDashboard({ admin, port: 0, host: '0.0.0.0', token: TOKEN, allowedHosts: ['dash.example.com'] });
  });

  after(async () => {
    await protectedDash?.close();
    await wildcard?.close();
    await admin?.deleteStream(stream).catch(() => undefined);
    await admin?.close();
    await redis?.close();
  });

  it('refuses to bind beyond loopback without a token', async () => {
    for (const host of ['0.0.0.0', '::']) {
      await assert.rejects(startDashboard({ admin, port: 0, host }), (error: unknown) => {
        assert.ok(error instanceof InvalidOptionError);
        assert.match(error.message, new RegExp(`Refusing to listen on ${host.replace(/\./g, '\\.')} without a token`));
        return true;
      });
    }
  });

  it('with a token, reads need it too (or the read token); the page and /api/info do not', async () => {
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    for (const path of ['/api/streams', `/api/streams/${stream}`, '/metrics']) {
      const anonymous = await request(protectedDash.url, path);
      assert.equal(anonymous.status, 401, path);
      assert.equal(anonymous.json<{ error: { code: string } }>().error.code, 'token_required');
      assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
      assert.equal((await request(protectedDash.url, path, { headers: bearer('wrong') })).status, 401, path);
      assert.equal((await request(protectedDash.url, path, { headers: bearer(READ_TOKEN) })).status, 200, path);
      assert.equal((await request(protectedDash.url, path, { headers: bearer(TOKEN) })).status, 200, path);
    }
    assert.equal((await request(protectedDash.url, '/')).status, 200, 'the page loads, to ask for the token');
    const info = (await request(protectedDash.url, '/api/info')).json<{ readOnly: boolean; authRequired: boolean }>();
    assert.deepEqual([info.readOnly, info.authRequired], [false, true]);
    const host = new URL(protectedDash.url).host;
    const post = (token: string) => request(protectedDash.url, `/api/streams/${stream}/dead-letters/purge`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: `http://${host}`, ...bearer(token) }, body: '{"all":true}',
    });
    const readOnlyPost = await post(READ_TOKEN);
    assert.equal(readOnlyPost.status, 403, 'the read token cannot replay or purge');
    assert.equal(readOnlyPost.json<{ error: { code: string } }>().error.code, 'bad_token');
    assert.equal((await post(TOKEN)).status, 200);
  });

  it('a wildcard bind keeps a Host allow-list (DNS rebinding), with --allowed-host names', async () => {
    const port = new URL(wildcard.url).port;
    const get = (hostHeader: string) => request(`http://127.0.0.1:${port}`, '/api/streams', { headers: { Host: hostHeader, Authorization: `Bearer ${TOKEN}` } });
    assert.equal((await get(`127.0.0.1:${port}`)).status, 200);
    assert.equal((await get(`localhost:${port}`)).status, 200);
    assert.equal((await get('dash.example.com')).status, 200, 'an allowed name');
    assert.equal((await get(`dash.example.com:${port}`)).status, 200);
    const rebound = await get(`attacker.example:${port}`);
    assert.equal(rebound.status, 403, 'a rebound name is refused even with the token');
    assert.equal(rebound.json<{ error: { code: string } }>().error.code, 'bad_host');
    assert.equal((await request(`http://127.0.0.1:${port}`, '/api/streams', { headers: { Host: `127.0.0.1:${port}` } })).status, 401, 'reads need the token');
  });
});

describe('exclusive range bounds for paging', () => {
  it('turn into the inclusive neighbour ID', () => {
    assert.equal(inclusive('(5-3', 'start'), '5-4');
    assert.equal(inclusive('(5-3', 'end'), '5-2');
    assert.equal(inclusive('(5-0', 'end'), '4-18446744073709551615');
    assert.equal(inclusive('(5-18446744073709551615', 'start'), '6-0');
    assert.equal(inclusive('(5', 'end'), '4-18446744073709551615');
    assert.equal(inclusive('(0-0', 'end'), '0-0');
    assert.equal(inclusive('7-1', 'end'), '7-1');
  });
});
