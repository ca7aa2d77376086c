/**
 * `sendMany` keeps several chunk commands in flight (`batchSize` messages each, `inFlight` at a
 * time) and still returns every ID in order, each message appended once in order; it sends no new
 * chunk after one failed (at most `inFlight` go out when the first one fails, and the other lanes
 * stop too); a bad `inFlight` is refused before anything is sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { InvalidOptionError, Producer, WrongTypeError } from '../../src/index.js';
import { uniqueName, type UsedRedis } from '../support/redis-server.js';
import { Bag, closeFileRedis, cmd, openFileRedis, xlen, type RawClient } from './helpers.js';

let redis: UsedRedis;
let raw: RawClient;
before(async () => ({ redis, raw } = await openFileRedis()));
after(() => closeFileRedis(redis, raw));

/** EVALSHA + EVAL calls Redis has run since the last CONFIG RESETSTAT. */
async function scriptCalls(): Promise<number> {
  const info = await cmd<string>(raw, 'INFO', 'commandstats');
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(m[2]);
  return calls;
}

describe('sendMany pipelining', () => {
  for (const inFlight of [1, 3, 50]) {
    it(`inFlight ${inFlight}: 100 messages in chunks of 7 come back as IDs in order, appended once each in order`, async () => {
      const bag = new Bag();
      try {
        const stream = uniqueName('many');
        const producer = bag.add(new Producer<number>({ stream, redis: redis.url, batchSize: 7 }));
        const items = Array.from({ length: 100 }, (_, i) => i);
        const ids = await producer.sendMany(items, { inFlight });
        assert.equal(ids.length, 100);
        const entries = await cmd<[string, string[]][]>(raw, 'XRANGE', stream, '-', '+');
        assert.deepEqual(entries.map(([id]) => id), ids, 'the IDs returned are the entries, in order');
        assert.deepEqual(entries.map(([, fields]) => JSON.parse(fields[1]!) as number), items, 'each message once, in the order given');
      } finally {
        await bag.closeAll();
      }
    });
  }

  it('after a chunk fails no new chunk is sent: with inFlight 3, 3 of 10 chunk commands reach Redis', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('many-fail');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url, batchSize: 10 }));
      await producer.sendMany([1]); // loads the script, so each chunk below is one EVALSHA
      await cmd(raw, 'DEL', stream);
      await cmd(raw, 'SET', stream, 'not a stream');
      await cmd(raw, 'CONFIG', 'RESETSTAT');
      await assert.rejects(producer.sendMany(Array.from({ length: 100 }, (_, i) => i), { inFlight: 3 }), WrongTypeError);
      assert.equal(await scriptCalls(), 3, 'the three chunks in flight when the first failed, and no more');
      await cmd(raw, 'CONFIG', 'RESETSTAT');
      await assert.rejects(producer.sendMany(Array.from({ length: 100 }, (_, i) => i), { inFlight: 1 }), WrongTypeError);
      assert.equal(await scriptCalls(), 1, 'one at a time: nothing after the first failure');
    } finally {
      await bag.closeAll();
    }
  });

  it('when one chunk fails while others succeed, the other lanes stop too (no chunk started after the failure)', async () => {
    const stream = uniqueName('many-lane');
    const client = createClient({ url: redis.url });
    await client.connect();
    const producer = new Producer<number>({ stream, redis: client, batchSize: 10 });
    try {
      await producer.sendMany([0]); // loads the script
      await cmd(raw, 'DEL', stream);
      // The second chunk command fails before it reaches Redis (a dropped write, say); the others are real.
      const original = client.sendCommand.bind(client);
      let chunk = 0;
      client.sendCommand = ((args: string[], options?: unknown) =>
        args[0] === 'EVALSHA' && ++chunk === 2 ? Promise.reject(new Error('injected failure of chunk 2')) : original(args, options as never)) as typeof client.sendCommand;
      await cmd(raw, 'CONFIG', 'RESETSTAT');
      await assert.rejects(producer.sendMany(Array.from({ length: 100 }, (_, i) => i), { inFlight: 3 }), /injected failure of chunk 2/);
      assert.equal(await scriptCalls(), 2, 'chunks 1 and 3 (in flight with chunk 2) reached Redis; chunks 4–10 were never sent');
      assert.equal(await xlen(raw, stream), 20);
    } finally {
      await producer.close();
      await client.close();
    }
  });

  it('a bad inFlight is refused with InvalidOptionError before anything is sent', async () => {
    const bag = new Bag();
    try {
      const stream = uniqueName('many-bad');
      const producer = bag.add(new Producer<number>({ stream, redis: redis.url }));
      for (const bad of [0, 1.5, '2' as unknown as number]) {
        await assert.rejects(producer.sendMany([1, 2], { inFlight: bad }), (error: unknown) => {
          assert.ok(error instanceof InvalidOptionError, String(error));
          assert.match(error.message, /`inFlight`/);
          return true;
        });
      }
      await assert.rejects(producer.sendMany([1], { inflight: 2 } as never), /inflight/);
      assert.equal(await xlen(raw, stream), 0, 'nothing was sent');
    } finally {
      await bag.closeAll();
    }
  });
});
