import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError, ExitCode, exitCodeFor, isConnectionError } from '../../src/cli/exit-codes.js';
import { formatDuration, renderTable, sanitize, truncate } from '../../src/cli/format.js';
import { HandledTracker } from '../../src/cli/handled-tracker.js';
import { invalidLines, parseJsonArgs, readNdjson } from '../../src/cli/input.js';
import { collectHeader, nextId, positiveInt, rangeBound, startAt } from '../../src/cli/options.js';
import { hostPort, maskUrl, redact, resolveUrl } from '../../src/cli/url.js';

describe('url', () => {
  it('resolves --url, then REDIS_URL, then the default', () => {
    assert.deepEqual(resolveUrl('redis://a:1', { REDIS_URL: 'redis://b:2' }), { url: 'redis://a:1', source: 'flag' });
    assert.deepEqual(resolveUrl(undefined, { REDIS_URL: 'redis://b:2' }), { url: 'redis://b:2', source: 'env' });
    assert.deepEqual(resolveUrl(undefined, {}), { url: 'redis://127.0.0.1:6379', source: 'default' });
  });

  it('masks passwords (and lone users) and scrubs them from messages', () => {
    assert.equal(maskUrl('redis://user:pa%40ss@host:6380/2'), 'redis://user:***@host:6380/2');
    assert.equal(maskUrl('redis://:secret@host'), 'redis://:***@host');
    assert.equal(maskUrl('redis://secretonly@host'), 'redis://***@host');
    assert.equal(maskUrl('redis://host:6379'), 'redis://host:6379');
    assert.equal(maskUrl('not a url'), '<invalid URL>');
    const url = 'redis://user:pa%40ss@host:6380';
    assert.equal(redact(`failed on ${url}: auth pa@ss refused`, url), 'failed on redis://user:***@host:6380: auth *** refused');
  });

  it('extracts host and port', () => {
    assert.deepEqual(hostPort('redis://127.0.0.1:7000'), { host: '127.0.0.1', port: 7000 });
    assert.deepEqual(hostPort('rediss://[::1]'), { host: '::1', port: 6379 });
    assert.throws(() => hostPort('http://x'), /unsupported URL scheme/);
  });
});

describe('format', () => {
  it('renders aligned tables with numbers right-aligned and an empty note', () => {
    const text = renderTable(['name', 'count'], [['a', 1], ['longer', 100]]);
    assert.equal(text, 'NAME    COUNT\na           1\nlonger    100');
    assert.equal(renderTable(['x'], [], { empty: '(nothing)' }), '(nothing)');
    assert.equal(renderTable(['x'], [[null]]), 'X\n-');
  });

  it('neutralises terminal control characters in data', () => {
    assert.equal(sanitize('a\u001b[31mred\nline\r'), 'a\\x1b[31mred\\nline\\r');
    assert.ok(!renderTable(['v'], [['\u001b[2J']]).includes('\u001b'));
  });

  it('cuts long cells and formats durations', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(12_345), '12.3s');
    assert.equal(formatDuration(245_000), '4m 05s');
    assert.equal(formatDuration(3 * 3600_000 + 7 * 60_000), '3h 07m');
    assert.equal(formatDuration(null), '-');
  });
});

describe('input', () => {
  it('parses NDJSON with line numbers, skipping blank lines and the lines before --from-line', () => {
    assert.deepEqual(readNdjson('{"a":1}\n\n  \n"x"\r\n3\n'), { messages: [{ line: 1, value: { a: 1 } }, { line: 4, value: 'x' }, { line: 5, value: 3 }], problems: [] });
    assert.deepEqual(readNdjson('1\n2\n3', 2).messages.map((m) => m.line), [2, 3]);
  });

  it('reports every invalid line with its number', () => {
    const { problems } = readNdjson('1\n2\n{nope}\n4\n[');
    assert.deepEqual(problems.map((p) => p.line), [3, 5]);
    const one = invalidLines('orders.ndjson', problems.slice(0, 1));
    assert.ok(one instanceof CliError);
    assert.match(one.message, /^orders\.ndjson: line 3: not valid JSON \(.+\); nothing was sent$/);
    const many = invalidLines('stdin', problems);
    assert.match(many.message, /^stdin: 2 invalid lines; nothing was sent:\n {2}line 3: not valid JSON .*\n {2}line 5: not valid JSON/);
  });

  it('parses JSON arguments; an invalid one is a usage error naming its position', () => {
    assert.deepEqual(parseJsonArgs(['{"a":1}', '"s"', '2']), [{ a: 1 }, 's', 2]);
    assert.throws(() => parseJsonArgs(['1', 'hello']), (error: unknown) => error instanceof CliError && error.exitCode === ExitCode.Usage && /argument 2/.test(error.message));
  });
});

describe('options', () => {
  it('validates numbers, IDs and headers', () => {
    assert.equal(positiveInt('5'), 5);
    assert.throws(() => positiveInt('0'));
    assert.throws(() => positiveInt('1.5'));
    assert.equal(rangeBound('-'), '-');
    assert.equal(rangeBound('1700000000000-3'), '1700000000000-3');
    assert.throws(() => rangeBound('yesterday'));
    assert.equal(startAt('$'), '$');
    assert.deepEqual(collectHeader('trace=abc=1', { a: 'b' }), { a: 'b', trace: 'abc=1' });
    assert.throws(() => collectHeader('novalue', undefined));
  });

  it('computes the next ID for paging', () => {
    assert.equal(nextId('1700000000000-0'), '1700000000000-1');
    assert.equal(nextId('1700000000000-18446744073709551614'), '1700000000000-18446744073709551615');
  });

  it('reads multi-host cluster URLs: first host, password masked and scrubbed', () => {
    const url = 'redis+cluster://u:s3cret@127.0.0.1:7000,127.0.0.1:7001';
    assert.deepEqual(hostPort(url), { host: '127.0.0.1', port: 7000 });
    assert.equal(maskUrl(url), 'redis+cluster://u:***@127.0.0.1:7000,127.0.0.1:7001');
    assert.equal(redact(`failed: ${url} (s3cret)`, url).includes('s3cret'), false);
  });
});

describe('exit codes', () => {
  it('maps errors to exit codes', () => {
    assert.equal(exitCodeFor(new CliError('x', ExitCode.Usage)), 2);
    assert.equal(exitCodeFor(new Error('boom')), 1);
    assert.equal(exitCodeFor(Object.assign(new Error('no'), { code: 'ERR_STREAMQ_CONNECTION' })), 3);
    assert.equal(exitCodeFor(Object.assign(new Error('no'), { code: 'ERR_STREAMQ_AUTH' })), 3);
    assert.equal(exitCodeFor(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })), 3);
    assert.equal(isConnectionError(new Error('WRONGPASS invalid username-password pair')), true);
  });
});

describe('HandledTracker', () => {
  it('resolves when enough distinct messages were handled, counting redeliveries apart', async () => {
    const tracker = new HandledTracker();
    const done = tracker.waitFor(2, 5000);
    tracker.record('a', '1-0');
    tracker.record('b', '1-0');
    tracker.record('b', '2-0');
    await done;
    assert.equal(tracker.distinct, 2);
    assert.equal(tracker.redelivered, 1);
    assert.deepEqual(tracker.counts(['a', 'b', 'c']), { a: 1, b: 2, c: 0 });
  });

  it('rejects at the deadline with what was handled', async () => {
    const tracker = new HandledTracker();
    tracker.record('a', '1-0');
    await assert.rejects(tracker.waitFor(3, 30), /only 1 of 3 messages were handled within 30 ms/);
  });

  it('rejects when aborted', async () => {
    const tracker = new HandledTracker();
    const controller = new AbortController();
    const waiting = tracker.waitFor(1, 5000, controller.signal);
    controller.abort();
    await assert.rejects(waiting, /interrupted/);
  });
});
