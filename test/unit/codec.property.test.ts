/**
 * Property-based tests of the codec with fast-check: any JSON value with any headers survives
 * encode → decode unchanged; anything not encodable is refused with an EncodeError (never another
 * error); any field list decodes to a message or a DecodeError (never another error).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeEntry, encodeMessage, isStreamqShape } from '../../src/codec.js';
import { DecodeError, EncodeError, PayloadTooLargeError } from '../../src/index.js';

const MAX = 1024 * 1024;
/** JSON values. */
const jsonValue = fc.jsonValue({ maxDepth: 4 });
/** The value JSON gives back: the same, except that JSON has no negative zero. */
const withoutNegativeZero = (value: unknown): unknown => {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutNegativeZero(item)]));
  }
  return value;
};
/** Plain header objects (string → string), with ordinary prototypes. */
const headers = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), { maxKeys: 6 })
  .map((record) => ({ ...record }));

describe('codec properties', () => {
  it('decode(encode(payload, headers)) gives back the payload and headers (5000 cases)', () => {
    fc.assert(fc.property(jsonValue, fc.option(headers, { nil: undefined }), (payload, hdrs) => {
      const flat = encodeMessage(payload, hdrs, MAX);
      assert.ok(isStreamqShape(flat));
      const decoded = decodeEntry(flat, false);
      assert.equal(decoded.foreign, false);
      assert.deepStrictEqual(decoded.data, withoutNegativeZero(payload));
      assert.deepStrictEqual(decoded.headers, hdrs ?? {});
      if (hdrs === undefined || Object.keys(hdrs).length === 0) assert.equal(flat.length, 2);
    }), { numRuns: 5000 });
  });

  it('strings of any code units (lone surrogates, NUL, emoji) round-trip (3000 cases)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      assert.equal(decodeEntry(encodeMessage(text, undefined, MAX), false).data, text);
    }), { numRuns: 3000 });
  });

  it('a payload holding a BigInt anywhere, or a cycle, is refused with EncodeError (1000 cases)', () => {
    const withBigInt = fc.tuple(jsonValue, fc.bigInt()).map(([value, big]) => ({ value, nested: [{ big }] }));
    fc.assert(fc.property(withBigInt, (payload) => {
      assert.throws(() => encodeMessage(payload, undefined, MAX), EncodeError);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.dictionary(fc.string(), jsonValue), (record) => {
      const cyclic: Record<string, unknown> = { ...record };
      cyclic.loop = { back: cyclic };
      assert.throws(() => encodeMessage(cyclic, undefined, MAX), EncodeError);
    }), { numRuns: 500 });
  });

  it('encoding any value throws only EncodeError or PayloadTooLargeError (3000 cases)', () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true }),
      fc.integer({ min: 1, max: 4096 }), (value, maxBytes) => {
        // Only the call is inside try; the assertions are outside it, so none can land in the catch.
        let flat: string[] | undefined;
        let thrown: unknown;
        try {
          flat = encodeMessage(value, undefined, maxBytes);
        } catch (error) {
          thrown = error;
        }
        if (flat === undefined) assert.ok(thrown instanceof EncodeError || thrown instanceof PayloadTooLargeError, String(thrown));
        else assert.ok(Buffer.byteLength(flat[1] as string) <= maxBytes);
      }), { numRuns: 3000 });
  });

  it('the size check agrees with the UTF-8 length of the encoded fields (2000 cases)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 1, max: 300 }), (text, maxBytes) => {
      const bytes = Buffer.byteLength(JSON.stringify(text));
      if (bytes > maxBytes) assert.throws(() => encodeMessage(text, undefined, maxBytes), PayloadTooLargeError);
      else assert.doesNotThrow(() => encodeMessage(text, undefined, maxBytes));
    }), { numRuns: 2000 });
  });

  it('decoding any field list yields a message or a DecodeError, never another error (3000 cases)', () => {
    const fieldName = fc.oneof(fc.constantFrom('d', 'h', 'message'), fc.string({ maxLength: 5 }));
    const flat = fc.array(fc.tuple(fieldName, fc.oneof(fc.json(), fc.string())), { maxLength: 4 }).map((pairs) => pairs.flat());
    fc.assert(fc.property(flat, fc.boolean(), (fields, raw) => {
      let decoded: ReturnType<typeof decodeEntry> | undefined;
      let thrown: unknown;
      try {
        decoded = decodeEntry(fields, raw);
      } catch (error) {
        thrown = error;
      }
      if (decoded === undefined) {
        assert.ok(thrown instanceof DecodeError, String(thrown));
        assert.ok(!raw && isStreamqShape(fields));
      } else {
        assert.equal(decoded.foreign, !isStreamqShape(fields));
        if (raw || decoded.foreign) assert.equal(typeof decoded.data, 'object');
      }
    }), { numRuns: 3000 });
  });
});
