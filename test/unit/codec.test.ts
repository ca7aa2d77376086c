/**
 * The codec: payload + headers ⇄ stream fields (`d`, `h`), foreign entries, and the errors for
 * what cannot be encoded (EncodeError, PayloadTooLargeError) or decoded (DecodeError).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DATA_FIELD, DEFAULT_MAX_PAYLOAD_BYTES, HEADERS_FIELD, decodeEntry, encodeHeaders, encodeJson, encodeMessage, fieldsToObject,
  isStreamqShape,
} from '../../src/codec.js';
import { DecodeError, EncodeError, PayloadTooLargeError, StreamqError } from '../../src/index.js';

const MAX = DEFAULT_MAX_PAYLOAD_BYTES;

describe('encodeMessage', () => {
  it('puts the JSON payload in field "d", and nothing else without headers', () => {
    assert.equal(DATA_FIELD, 'd');
    assert.equal(HEADERS_FIELD, 'h');
    assert.deepEqual(encodeMessage({ id: 1, items: ['a', 'b'] }, undefined, MAX), ['d', '{"id":1,"items":["a","b"]}']);
    assert.deepEqual(encodeMessage('hello', undefined, MAX), ['d', '"hello"']);
    assert.deepEqual(encodeMessage(42, undefined, MAX), ['d', '42']);
    assert.deepEqual(encodeMessage(null, undefined, MAX), ['d', 'null']);
    assert.deepEqual(encodeMessage(false, undefined, MAX), ['d', 'false']);
  });

  it('puts headers as JSON in field "h", and leaves out empty headers', () => {
    assert.deepEqual(encodeMessage(1, { traceparent: '00-abc-01', tenant: 'x' }, MAX), ['d', '1', 'h', '{"traceparent":"00-abc-01","tenant":"x"}']);
    assert.deepEqual(encodeMessage(1, {}, MAX), ['d', '1']);
    assert.equal(encodeHeaders(undefined), undefined);
    assert.equal(encodeHeaders({}), undefined);
  });

  it('refuses BigInt, circular structures, undefined, functions and symbols with EncodeError', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const cases: [string, unknown][] = [
      ['bigint', 10n],
      ['nested bigint', { amount: 10n }],
      ['circular', circular],
      ['undefined', undefined],
      ['function', () => 1],
      ['symbol', Symbol('s')],
      ['toJSON that throws', { toJSON() { throw new Error('nope'); } }],
    ];
    for (const [label, value] of cases) {
      assert.throws(() => encodeMessage(value, undefined, MAX), (error: unknown) => {
        assert.ok(error instanceof EncodeError, `${label}: ${String(error)}`);
        assert.ok(error instanceof StreamqError);
        assert.equal(error.code, 'ERR_STREAMQ_ENCODE');
        assert.match(error.message, /^Cannot encode the payload as JSON: /);
        return true;
      }, label);
    }
    assert.throws(() => encodeMessage(10n, undefined, MAX), /BigInt/);
    assert.throws(() => encodeMessage(circular, undefined, MAX), /circular/i);
    assert.throws(() => encodeMessage(undefined, undefined, MAX), /undefined has no JSON form/);
  });

  it('refuses headers that are not an object of strings', () => {
    for (const headers of [null, 'x', ['a'], { a: 1 }, { a: undefined }, { a: 'ok', b: { c: 'd' } }]) {
      assert.throws(() => encodeMessage(1, headers as never, MAX), EncodeError, JSON.stringify(headers));
    }
    assert.throws(() => encodeHeaders({ n: 1 } as never), /header "n" is not a string/);
  });

  it('refuses a message over maxPayloadBytes with PayloadTooLargeError, counting UTF-8 bytes and headers', () => {
    // '"' + 98 × 'a' + '"' = 100 bytes
    assert.deepEqual(encodeMessage('a'.repeat(98), undefined, 100), ['d', `"${'a'.repeat(98)}"`]);
    assert.throws(() => encodeMessage('a'.repeat(99), undefined, 100), (error: unknown) => {
      assert.ok(error instanceof PayloadTooLargeError);
      assert.equal(error.code, 'ERR_STREAMQ_PAYLOAD_TOO_LARGE');
      assert.match(error.message, /101 bytes encoded, more than maxPayloadBytes \(100\)/);
      return true;
    });
    // 'é' is 2 bytes in UTF-8: 49 of them + quotes = 100 bytes; 50 = 102 bytes.
    assert.doesNotThrow(() => encodeMessage('é'.repeat(49), undefined, 100));
    assert.throws(() => encodeMessage('é'.repeat(50), undefined, 100), PayloadTooLargeError);
    // Headers count too: payload 10 bytes + headers {"k":"v"} 9 bytes.
    assert.doesNotThrow(() => encodeMessage('a'.repeat(8), { k: 'v' }, 19));
    assert.throws(() => encodeMessage('a'.repeat(8), { k: 'v' }, 18), PayloadTooLargeError);
    // The default limit is 1 MiB.
    assert.doesNotThrow(() => encodeMessage('x'.repeat(MAX - 2), undefined, MAX));
    assert.throws(() => encodeMessage('x'.repeat(MAX - 1), undefined, MAX), PayloadTooLargeError);
  });

  it('encodeJson names what it was encoding', () => {
    assert.throws(() => encodeJson(1n, 'thing'), /Cannot encode the thing as JSON/);
  });
});

describe('decodeEntry', () => {
  it('decodes streamq entries with and without headers', () => {
    assert.deepEqual(decodeEntry(['d', '{"a":[1,2]}'], false), { data: { a: [1, 2] }, headers: {}, foreign: false });
    assert.deepEqual(decodeEntry(['d', '"x"', 'h', '{"k":"v"}'], false), { data: 'x', headers: { k: 'v' }, foreign: false });
    assert.deepEqual(decodeEntry(['d', 'null'], false), { data: null, headers: {}, foreign: false });
  });

  it('round-trips what encodeMessage produced', () => {
    const payload = { id: 7, name: 'Ünïcødé 🚀', nested: { list: [1, 'two', null, true] } };
    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    assert.deepEqual(decodeEntry(encodeMessage(payload, headers, MAX), false), { data: payload, headers, foreign: false });
  });

  it('delivers foreign entries (any other shape) with their raw fields as data', () => {
    // The go-redis example writes `XADD orders * message hello`.
    assert.deepEqual(decodeEntry(['message', 'hello'], false), { data: { message: 'hello' }, headers: {}, foreign: true });
    // `d` plus another field is not streamq's shape.
    assert.deepEqual(decodeEntry(['d', 'not json', 'x', '1'], false), { data: { d: 'not json', x: '1' }, headers: {}, foreign: true });
    // `h` first is not streamq's shape either.
    assert.deepEqual(decodeEntry(['h', '{}', 'd', '1'], false), { data: { h: '{}', d: '1' }, headers: {}, foreign: true });
    assert.equal(isStreamqShape(['d', '1', 'h', '{}', 'z', '1']), false);
    assert.equal(isStreamqShape(['d', '1', 'z', '{}']), false);
    assert.equal(isStreamqShape(['d', '1']), true);
    assert.equal(isStreamqShape(['d', '1', 'h', '{}']), true);
  });

  it('in raw mode delivers every entry as its fields, foreign only when not streamq-shaped', () => {
    assert.deepEqual(decodeEntry(['d', '{"a":1}'], true), { data: { d: '{"a":1}' }, headers: {}, foreign: false });
    assert.deepEqual(decodeEntry(['d', 'not-json'], true), { data: { d: 'not-json' }, headers: {}, foreign: false });
    assert.deepEqual(decodeEntry(['k', 'v'], true), { data: { k: 'v' }, headers: {}, foreign: true });
  });

  it('throws DecodeError with the reason for invalid JSON in "d" or "h", or headers that are not an object', () => {
    const cases: [string[], RegExp][] = [
      [['d', 'not-json'], /^Field "d" is not valid JSON: /],
      [['d', '{"a":'], /^Field "d" is not valid JSON: /],
      [['d', ''], /^Field "d" is not valid JSON: /],
      [['d', '1', 'h', 'nope'], /^Field "h" is not valid JSON: /],
      [['d', '1', 'h', '[1]'], /^Field "h" is not a JSON object$/],
      [['d', '1', 'h', 'null'], /^Field "h" is not a JSON object$/],
      [['d', '1', 'h', '"s"'], /^Field "h" is not a JSON object$/],
    ];
    for (const [flat, message] of cases) {
      assert.throws(() => decodeEntry(flat, false), (error: unknown) => {
        assert.ok(error instanceof DecodeError, String(error));
        assert.equal(error.code, 'ERR_STREAMQ_DECODE');
        assert.match(error.message, message);
        return true;
      }, JSON.stringify(flat));
    }
  });

  it('refuses headers whose values are not strings', () => {
    assert.throws(() => decodeEntry(['d', '1', 'h', '{"n":1}'], false), (error: unknown) =>
      error instanceof DecodeError && error.message === 'Field "h" is not a JSON object of strings: header "n" is a number');
    assert.throws(() => decodeEntry(['d', '1', 'h', '{"a":"ok","b":null}'], false), DecodeError);
  });

  it('fieldsToObject keeps a field named __proto__ as data (no prototype change)', () => {
    const fields = fieldsToObject(['__proto__', 'x', 'a', '1']);
    assert.deepEqual(Object.keys(fields), ['__proto__', 'a']);
    assert.equal(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    const foreign = decodeEntry(['__proto__', '{"polluted":true}'], false);
    assert.equal(foreign.foreign, true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('fieldsToObject keeps the last value of a repeated field and ignores a dangling one', () => {
    assert.deepEqual(fieldsToObject(['a', '1', 'b', '2', 'a', '3']), { a: '3', b: '2' });
    assert.deepEqual(fieldsToObject(['a', '1', 'b']), { a: '1' });
    assert.deepEqual(fieldsToObject([]), {});
  });
});
