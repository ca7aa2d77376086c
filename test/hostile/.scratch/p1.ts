import { createClient } from 'redis';
import { Consumer, Producer, Admin, UnrecoverableError } from '../../../src/index.js';
import { RedisServer } from '../../support/redis-server.js';

const server = await RedisServer.start();
try {
  const c = createClient({ url: server.url });
  await c.connect();
  const stream = 'big';
  const args = ['XADD', stream, '*'];
  for (let i = 0; i < 5000; i++) args.push(`f${i}`, `v${i}`);
  await c.sendCommand(args);
  const errors: string[] = [];
  const consumer = new Consumer({ stream, group: 'g', redis: server.url, visibilityTimeoutMs: 500, handler: (m) => { console.log('handled fields', Object.keys(m.fields).length); throw new UnrecoverableError('no'); } });
  consumer.on('error', (e: Error) => errors.push(e.message));
  consumer.on('deadLetter', (d) => console.log('dead', d));
  await consumer.start();
  await new Promise((r) => setTimeout(r, 3000));
  console.log('errors', errors.length, errors.slice(0, 3));
  const admin = new Admin({ redis: server.url });
  console.log((await admin.stats(stream)).groups, (await admin.stats(stream)).deadLetters);
  await consumer.close();
  await admin.close();
  await c.close();
} finally { await server.stop(); }
