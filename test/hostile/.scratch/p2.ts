import { createClient } from 'redis';
import { Consumer, Producer, Admin, streamKeys } from '../../../src/index.js';
import { RedisServer } from '../../support/redis-server.js';

const server = await RedisServer.start();
try {
  const c = createClient({ url: server.url });
  c.on('error', () => undefined); await c.connect();
  const stream = 'wt';
  await c.set(streamKeys(stream).dead, 'not a stream');
  const p = new Producer({ stream, redis: server.url });
  await p.send({ poison: true });
  const errors: string[] = [];
  const consumer = new Consumer({ stream, group: 'g', redis: server.url, visibilityTimeoutMs: 500, maxDeliveries: 2, backoff: () => 10, handler: () => { throw new Error('poison'); } });
  consumer.on('error', (e: Error) => errors.push(e.message));
  await consumer.start();
  await new Promise((r) => setTimeout(r, 3000));
  console.log('errors', errors.length, errors.slice(0, 3));
  const admin = new Admin({ redis: server.url });
  console.log(await c.sendCommand(['XINFO','GROUPS',stream]), await c.sendCommand(['XPENDING',stream,'g']));
  await consumer.close(); await p.close();
  await admin.close();
  await c.close();
} finally { await server.stop(); }
