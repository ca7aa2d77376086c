/**
 * Key names: the stream key is the user's name verbatim; every auxiliary key hashes to the same
 * Redis Cluster slot as the stream (checked here against a CRC16 reference and the slot rules;
 * test/integration/keyslot.test.ts checks against a real `CLUSTER KEYSLOT`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { auxBaseOf, auxKey, crc16 } from '../../src/keys.js';
import { hashTag, keySlot, streamKeys } from '../../src/index.js';

describe('crc16 and keySlot', () => {
  it('matches the Redis Cluster reference values', () => {
    // From the Redis Cluster specification: CRC16("123456789") = 0x31C3.
    assert.equal(crc16(Buffer.from('123456789')), 0x31c3);
    // Well-known CLUSTER KEYSLOT answers.
    assert.equal(keySlot('foo'), 12182);
    assert.equal(keySlot('bar'), 5061);
    assert.equal(keySlot('hello'), 866);
    assert.equal(keySlot(''), 0);
  });

  it('hashes only the hash tag when there is one', () => {
    assert.equal(hashTag('{user1000}.following'), 'user1000');
    assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
    assert.equal(keySlot('{user1000}.followers'), keySlot('{user1000}.following'));
    assert.equal(hashTag('foo{}{bar}'), undefined, 'an empty first tag means the whole key is hashed');
    assert.equal(hashTag('foo{{bar}}zap'), '{bar', 'the tag runs from the first { to the first } after it');
    assert.equal(hashTag('foo{bar}{zap}'), 'bar');
    assert.equal(hashTag('a}b'), undefined);
    assert.equal(hashTag('a{b'), undefined);
    assert.equal(hashTag('orders'), undefined);
  });

  it('hashes the UTF-8 bytes of unicode names', () => {
    assert.equal(keySlot('ördérs'), crc16(Buffer.from('ördérs', 'utf8')) % 16384);
    assert.notEqual(keySlot('ördérs'), crc16(Buffer.from('ördérs', 'latin1')) % 16384);
  });
});

describe('auxKey and streamKeys', () => {
  it('plain names: the stream is the name, aux keys are {name}:suffix', () => {
    const keys = streamKeys('orders');
    assert.deepEqual(keys, { stream: 'orders', dead: '{orders}:dead', delayed: '{orders}:delayed', dedupPrefix: '{orders}:dedup:', paused: '{orders}:paused' });
    assert.equal(keySlot(keys.dead), keySlot('orders'));
    assert.equal(keySlot(keys.delayed), keySlot('orders'));
    assert.equal(keySlot(`${keys.dedupPrefix}some-key`), keySlot('orders'));
    assert.equal(keySlot(keys.paused), keySlot('orders'));
  });

  it('names with a {tag} reuse the tag, with a double colon', () => {
    const keys = streamKeys('{tenant1}.orders');
    assert.equal(keys.stream, '{tenant1}.orders');
    assert.equal(keys.dead, '{tenant1}.orders::dead');
    assert.equal(keys.delayed, '{tenant1}.orders::delayed');
    assert.equal(keys.dedupPrefix, '{tenant1}.orders::dedup:');
    for (const key of [keys.dead, keys.delayed, `${keys.dedupPrefix}k`]) assert.equal(keySlot(key), keySlot('tenant1'));
    // Not the aux keys of a stream named `tenant1`.
    assert.notEqual(keys.dead, streamKeys('tenant1').dead);
  });

  it('names with braces but no valid tag get a found tag of the same slot', () => {
    for (const name of ['a}b', 'a{b', '{}x', 'x{}', 'foo{}{bar}', '}{', '{', '}']) {
      const keys = streamKeys(name);
      assert.equal(keys.stream, name);
      assert.match(keys.dead, /^\{~[0-9a-z]+\}:/, name);
      assert.ok(keys.dead.endsWith(`:${name}::dead`), keys.dead);
      for (const key of [keys.dead, keys.delayed, `${keys.dedupPrefix}k`]) assert.equal(keySlot(key), keySlot(name), `${name} → ${key}`);
    }
    // The found tag is stable.
    assert.equal(auxKey('a}b', 'dead'), auxKey('a}b', 'dead'));
  });

  it('unicode names', () => {
    const keys = streamKeys('заказы-📦');
    assert.equal(keys.dead, '{заказы-📦}:dead');
    assert.equal(keySlot(keys.dead), keySlot('заказы-📦'));
  });

  it('every aux key of any name is in the name\'s slot (property, 2000 cases)', () => {
    const name = fc.string({ unit: fc.constantFrom('a', 'b', '{', '}', ':', 'é', '📦', ' '), minLength: 1, maxLength: 12 });
    fc.assert(fc.property(name, fc.constantFrom('dead', 'delayed', 'dedup:x'), (stream, suffix) => {
      const key = auxKey(stream, suffix);
      assert.notEqual(key, stream);
      assert.equal(keySlot(key), keySlot(stream));
    }), { numRuns: 2000 });
  });

});

describe('auxBaseOf', () => {
  it('finds the stream an auxiliary key belongs to, for every naming form', () => {
    for (const name of ['orders', '{t}.orders', 'a}b', 'a{}b', 'naïve ünïcode', 'x::dead']) {
      assert.equal(auxBaseOf(streamKeys(name).dead), name, name);
      assert.equal(auxBaseOf(streamKeys(name).delayed), name, name);
    }
    assert.equal(auxBaseOf('orders'), undefined);
    assert.equal(auxBaseOf('{t}.orders'), undefined);
    assert.equal(auxBaseOf('orders:dead'), undefined);
    assert.equal(auxBaseOf('x::dead'), undefined, 'a plain name ending in ::dead is no aux key');
  });
});

describe('auxBaseOf and priority levels', () => {
  it('a level stream belongs to its stream, for plain, tagged and brace names', async () => {
    const { levelStream } = await import('../../src/priorities.js');
    const { auxBaseOf } = await import('../../src/keys.js');
    for (const base of ['orders', '{tenant1}.orders', 'a}b', 'with:priority:inside']) {
      for (const level of ['high', 'low', 'p:1']) {
        const key = levelStream(base, level);
        assert.notEqual(key, base);
        assert.equal(auxBaseOf(key), base, `${key} → ${base}`);
        assert.equal(keySlot(key), keySlot(base), `${key} shares the slot of ${base}`);
      }
      assert.equal(levelStream(base, 'default'), base);
    }
    assert.equal(auxBaseOf('priority:high'), undefined);
  });
});
