import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeLabel, streamGauges } from '../../src/dashboard/metrics.js';
import { BadRequest, bound, int, selection, validName } from '../../src/dashboard/params.js';
import { allowedHosts, bearerMatches, hostAllowed, isSameOrigin } from '../../src/dashboard/security.js';

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
    assert.equal(allowedHosts('0.0.0.0', 7420), undefined);
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
