/** Admin.deleteStream removes a stream with every auxiliary key, and nothing of other streams. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { Admin, Producer, streamKeys } from '../../src/index.js';
import { uniqueName, useRedis } from '../support/redis-server.js';

let redis: Awaited<ReturnType<typeof useRedis>>;
before(async () => { redis = await useRedis(); });
after(async () => { await redis.close(); });

test('deleteStream removes the stream, its dead letters, delayed set and dedup keys only', async () => {
  const stream = `${uniqueName('del')}*[x]?`; // glob characters must not widen the dedup key match
  const neighbour = `${stream}-other`;
  const producer = new Producer({ stream, redis: redis.url });
  const other = new Producer({ stream: neighbour, redis: redis.url });
  await producer.send({ a: 1 }, { dedupKey: 'k1' });
  await producer.send({ a: 2 }, { delayMs: 60_000 });
  await other.send({ b: 1 }, { dedupKey: 'k1' });
  const client = createClient({ url: redis.url });
  await client.connect();
  const keys = streamKeys(stream);
  await client.sendCommand(['XADD', keys.dead, '*', 'dead.id', '1-0']);
  const admin = new Admin({ redis: redis.url });
  try {
    const removed = await admin.deleteStream(stream);
    assert.equal(removed, 4, 'stream, dead letters, delayed set and one dedup key');
    for (const key of [keys.stream, keys.dead, keys.delayed, `${keys.dedupPrefix}k1`]) {
      assert.equal(await client.exists(key), 0, `${key} is gone`);
    }
    const otherKeys = streamKeys(neighbour);
    assert.equal(await client.exists(neighbour), 1, 'the other stream stays');
    assert.equal(await client.exists(`${otherKeys.dedupPrefix}k1`), 1, 'the other stream\'s dedup key stays');
    await admin.deleteStream(neighbour);
  } finally {
    await Promise.all([admin.close(), producer.close(), other.close()]);
    await client.close();
  }
});
