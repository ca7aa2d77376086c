import { createClient } from 'redis';
import { Consumer, Producer, Admin, streamKeys } from '../../../src/index.js';
import { RedisServer } from '../../support/redis-server.js';

const server = await RedisServer.start({ maxMemory: '2mb' });
try {
  const c = createClient({ url: server.url }); c.on('error', () => undefined); await c.connect();
  const stream = 'oom';
  const p = new Producer({ stream, redis: server.url });
  let ok = 0; let firstErr: unknown;
  const big = 'x'.repeat(10_000);
  for (let i = 0; i < 2000; i++) {
    try { await p.send({ i, big }); ok++; } catch (e) { firstErr = e; break; }
  }
  console.log('ok', ok, 'xlen', await c.sendCommand(['XLEN', stream]), String(firstErr), (firstErr as any)?.redisCode);
  try { await p.sendMany([{ a: 1 }, { b: 2 }]); console.log('sendMany ok'); } catch (e) { console.log('sendMany', String(e)); }
  console.log('xlen', await c.sendCommand(['XLEN', stream]));
  const errors: string[] = []; let handled = 0;
  const consumer = new Consumer({ stream, group: 'g', redis: server.url, visibilityTimeoutMs: 500, maxDeliveries: 2, backoff: () => 10, handler: (m) => { handled++; if ((m.data as any).i % 10 === 0) throw new Error('poison'); } });
  consumer.on('error', (e: Error) => errors.push(e.message));
  try { await consumer.start(); console.log('started'); } catch (e) { console.log('start failed', String(e)); }
  await new Promise((r) => setTimeout(r, 3000));
  console.log('handled', handled, 'errors', errors.length, [...new Set(errors)].slice(0, 5));
  console.log(await c.sendCommand(['XINFO','GROUPS',stream]), await c.sendCommand(['XLEN', streamKeys(stream).dead]));
  await consumer.close(); await p.close();
  await c.close();
} finally { await server.stop(); }
