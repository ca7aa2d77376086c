/**
 * Property-based tests of the consumer's decode path (`decodeEntry`, `fieldsToObject` in
 * src/codec.ts) against arbitrary field arrays — what any other client may XADD. Whatever the
 * input, decoding returns a well-formed message or throws a DecodeError (which the consumer turns
 * into a dead letter with the reason); never any other exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DATA_FIELD, decodeEntry, encodeMessage, fieldsToObject, HEADERS_FIELD, isStreamqShape } from '../../src/codec.js';
import { DecodeError } from '../../src/errors.js';

const RUNS = 5_000;

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Strings a hostile or merely different client may write. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.json(),
  fc.constantFrom('', 'd', 'h', 'null', 'true', '0', '-0', '1e400', '{}', '[]', '""', '"', '{', '[', '\u0000', '\uFFFD', '\uD800', '__proto__', 'constructor', 'prototype', 'toString', '{"__proto__":{"x":1}}', '{"a":', ' 1 ', '\t{}\n'),
);
/** Field names: mostly the ones streamq gives meaning to, plus anything. */
const fieldName = fc.oneof(fc.constantFrom(DATA_FIELD, HEADERS_FIELD, 'message', ''), hostileString);
/** A flat field array as Redis returns it (even length) — or, to be safe, any length. */
const flatFields = fc.oneof(
  fc.array(fc.tuple(fieldName, hostileString), { maxLength: 12 }).map((pairs) => pairs.flat()),
  fc.array(hostileString, { maxLength: 9 }),
);
/** Entries in streamq's own shape with a hostile payload and headers. */
const streamqShaped = fc.oneof(
  hostileString.map((d) => [DATA_FIELD, d]),
  fc.tuple(hostileString, hostileString).map(([d, h]) => [DATA_FIELD, d, HEADERS_FIELD, h]),
  fc.tuple(fc.json(), fc.oneof(fc.json(), fc.dictionary(fc.string(), fc.string()).map((o) => JSON.stringify(o)))).map(([d, h]) => [DATA_FIELD, d, HEADERS_FIELD, h]),
);

const isPlainObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Runs decodeEntry; returns the result or the DecodeError; any other throw fails the property. */
function decodeOrDecodeError(flat: string[], raw: boolean): ReturnType<typeof decodeEntry> | DecodeError {
  try {
    return decodeEntry(flat, raw);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw new Error(`decodeEntry threw ${String(error)} (not a DecodeError) for ${JSON.stringify(flat).slice(0, 300)}`);
  }
}

describe('decodeEntry on arbitrary field arrays', () => {
  it('returns a well-formed message or throws a DecodeError, nothing else', () => {
    fc.assert(fc.property(fc.oneof(flatFields, streamqShaped), fc.boolean(), (flat, raw) => {
      const copy = [...flat];
      const result = decodeOrDecodeError(flat, raw);
      assert.deepEqual(flat, copy, 'the input is not modified');
      if (result instanceof DecodeError) {
        assert.equal(result.code, 'ERR_STREAMQ_DECODE');
        assert.match(result.message, /^Field "[dh]" /, 'the reason names the field');
        assert.ok(!raw && isStreamqShape(flat), 'only streamq-shaped entries fail to decode, and never in raw mode');
        return;
      }
      assert.equal(typeof result.foreign, 'boolean');
      assert.ok(isPlainObject(result.headers), 'headers are an object');
      if (raw || result.foreign) assert.ok(isPlainObject(result.data), 'a foreign or raw entry decodes to its fields object');
    }), { numRuns: RUNS });
  });

  it('decodes streamq-shaped entries to JSON.parse of the payload, or a DecodeError naming the field', () => {
    fc.assert(fc.property(streamqShaped, (flat) => {
      const result = decodeOrDecodeError(flat, false);
      let expected: unknown;
      try {
        expected = JSON.parse(flat[1] as string);
      } catch {
        assert.ok(result instanceof DecodeError && result.message.startsWith('Field "d" is not valid JSON'));
        return;
      }
      if (result instanceof DecodeError) {
        assert.match(result.message, /^Field "h" is not (valid JSON|a JSON object)/);
        return;
      }
      assert.equal(result.foreign, false);
      assert.deepEqual(result.data, expected);
    }), { numRuns: RUNS });
  });

  it('delivers foreign entries with every field, the last value of a repeated field winning', () => {
    const notProto = fieldName.filter((name) => name !== '__proto__');
    const foreignFields = fc.array(fc.tuple(notProto, hostileString), { minLength: 1, maxLength: 12 })
      .map((pairs) => pairs.flat())
      .filter((flat) => !isStreamqShape(flat));
    fc.assert(fc.property(foreignFields, (flat) => {
      const result = decodeEntry(flat, false);
      assert.equal(result.foreign, true);
      const expected = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) expected.set(flat[i] as string, flat[i + 1] as string);
      const data = result.data as Record<string, string>;
      assert.equal(Object.keys(data).length, expected.size);
      for (const [name, value] of expected) assert.equal(data[name], value);
    }), { numRuns: RUNS });
  });

  it('round-trips every JSON value and string headers through encodeMessage', () => {
    const headers = fc.option(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), { nil: undefined });
    fc.assert(fc.property(fc.jsonValue(), headers, (data, h) => {
      const flat = encodeMessage(data, h, 64 * 1024 * 1024);
      const result = decodeEntry(flat, false);
      assert.equal(result.foreign, false);
      assert.deepEqual(result.data, JSON.parse(JSON.stringify(data)));
      assert.deepEqual({ ...result.headers }, Object.keys(h ?? {}).length === 0 ? {} : JSON.parse(JSON.stringify(h)));
    }), { numRuns: RUNS });
  });

  it('never throws on deeply nested or huge payloads', () => {
    for (const d of ['['.repeat(200_000) + ']'.repeat(200_000), '['.repeat(200_000), `"${'x'.repeat(5_000_000)}"`]) {
      const result = decodeOrDecodeError([DATA_FIELD, d], false);
      assert.ok(result instanceof DecodeError || result.foreign === false);
    }
  });

  // Found by this suite: headers were JSON.parse'd and typed Record<string, string> without checking
  // their values — `h = {"a":1}` written by another client gave a number header.
  it('gives headers whose values are all strings (or a DecodeError)', () => {
    fc.assert(fc.property(fc.tuple(fc.json(), fc.json()).map(([d, h]) => [DATA_FIELD, d, HEADERS_FIELD, h]), (flat) => {
      const result = decodeOrDecodeError(flat, false);
      if (result instanceof DecodeError) return;
      for (const value of Object.values(result.headers)) assert.equal(typeof value, 'string');
    }), { numRuns: RUNS });
  });

  // Found by this suite: fieldsToObject assigned into a `{}` literal, so a field named `__proto__`
  // (any client may write one) hit the prototype setter and silently disappeared.
  it('keeps a field named __proto__', () => {
    const fields = fieldsToObject(['__proto__', 'x', 'a', 'b']);
    assert.equal(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, 'x');
    const decoded = decodeEntry(['__proto__', 'x'], false);
    assert.deepEqual(Object.keys(decoded.data as object), ['__proto__']);
  });
});
