/**
 * Keys and Redis Cluster: `keySlot` agrees with a real server's `CLUSTER KEYSLOT` (a
 * cluster-enabled redis-server: a plain one refuses CLUSTER commands), and every auxiliary key of a
 * stream — plain names, names with a {tag}, braces without a valid tag, unicode — is in the
 * stream's slot by the server's own reckoning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { auxKey } from '../../src/keys.js';
import { keySlot, streamKeys } from '../../src/index.js';
import { RedisServer } from '../support/redis-server.js';
import { cmd, rawClient, type RawClient } from './helpers.js';

let server: RedisServer;
let raw: RawClient;
before(async () => {
  server = await RedisServer.start({ cluster: true });
  raw = await rawClient(server.url);
});
after(async () => {
  await raw.close();
  await server.stop();
});

const serverSlot = async (key: string): Promise<number> => Number(await cmd(raw, 'CLUSTER', 'KEYSLOT', key));

const NAMES = [
  'orders', 'foo', '', 'a', '{tenant1}.orders', 'x{y}z', 'foo{}{bar}', 'foo{{bar}}zap', 'a}b', 'a{b', '{}', '}{', '{',
  'ördérs', 'заказы', '📦 parcels', '注文', 'name with spaces', 'tab-free:colons:here', '{🔑}.emoji-tag',
];

describe('keySlot against CLUSTER KEYSLOT', () => {
  it('agrees on a fixed list of tricky names', async () => {
    for (const name of NAMES) assert.equal(keySlot(name), await serverSlot(name), JSON.stringify(name));
  });

  it('agrees on random keys (500 cases)', async () => {
    const keys = fc.sample(fc.string({ unit: fc.oneof(fc.constantFrom('{', '}', 'a', ':'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 16 }), { numRuns: 500, seed: 7 });
    for (const key of keys) assert.equal(keySlot(key), await serverSlot(key), JSON.stringify(key));
  });

  it('puts every auxiliary key in its stream\'s slot', async () => {
    for (const name of NAMES.filter((n) => n.length > 0)) {
      const keys = streamKeys(name);
      const slot = await serverSlot(name);
      for (const key of [keys.dead, keys.delayed, `${keys.dedupPrefix}some-key`, auxKey(name, 'other')]) {
        assert.equal(await serverSlot(key), slot, `${JSON.stringify(name)} → ${JSON.stringify(key)}`);
      }
    }
  });
});
