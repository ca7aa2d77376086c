import { createClient } from 'redis';
import { inspect } from 'node:util';
import { Consumer, Producer, Admin, fieldsToObject } from '../../../src/index.js';
import { fieldsToObject as f2o, decodeEntry } from '../../../src/codec.js';
import { RedisServer } from '../../support/redis-server.js';

console.log('proto', f2o(['__proto__', 'x', 'a', 'b']), Object.keys(f2o(['__proto__', 'x'])));
console.log('hdr', decodeEntry(['d', '1', 'h', '{"a":1,"b":null}'], false));
try { JSON.parse('['.repeat(1e6) + ']'.repeat(1e6)); console.log('deep ok'); } catch (e) { console.log('deep', String(e)); }

const pw = 'S3cr3t-P@ss/word';
const server = await RedisServer.start({ password: pw });
try {
  for (const redis of [`redis://127.0.0.1:${server.port}`, `redis://:wrong-${pw}@127.0.0.1:${server.port}`, { socket: { host: '127.0.0.1', port: server.port }, password: 'wrong-' + pw }]) {
    const t = Date.now();
    const errs: Error[] = [];
    const p = new Producer({ stream: 's', redis: redis as any, connectTimeoutMs: 2000 });
    p.on('error', (e: Error) => errs.push(e));
    try { await p.send(1); } catch (e) { console.log('producer', Date.now() - t, 'ms', (e as any).name, (e as any).code, (e as Error).message); console.log('  leak?', inspect(e, { depth: 10 }).includes(pw), JSON.stringify(e).includes(pw), String((e as any).stack).includes(pw)); }
    console.log('  events', errs.map((e) => e.message));
    await p.close();
    const c = new Consumer({ stream: 's', group: 'g', redis: redis as any, connectTimeoutMs: 2000, handler: () => undefined });
    const cerrs: Error[] = [];
    c.on('error', (e: Error) => cerrs.push(e));
    try { await c.start(); console.log('consumer started?!'); } catch (e) { console.log('consumer', Date.now() - t, (e as Error).message); }
    await c.close();
    await new Promise((r) => setTimeout(r, 500));
    console.log('  cevents', cerrs.length, cerrs.map((e) => e.message).slice(0, 3));
  }
} finally { await server.stop(); }
