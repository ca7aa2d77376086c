import { createClient } from 'redis';
import { Consumer, Producer, Admin } from '../../../src/index.js';
import { RedisServer } from '../../support/redis-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
{
  const server = await RedisServer.start();
  const c = createClient({ url: server.url }); c.on('error', () => undefined); await c.connect();
  try {
    await c.set('s', 'x');
    const cons = new Consumer({ stream: 's', group: 'g', redis: server.url, handler: () => undefined });
    try { await cons.start(); } catch (e) { console.log('wrongtype start:', (e as any).name, (e as Error).message); }
    await cons.close();
    const p = new Producer({ stream: 's', redis: server.url });
    try { await p.send(1); } catch (e) { console.log('wrongtype send:', (e as any).name, (e as Error).message); }
    try { await p.sendMany([1]); } catch (e) { console.log('wrongtype sendMany:', (e as any).name, (e as Error).message); }
    const admin = new Admin({ redis: server.url });
    try { console.log(await admin.stats('s')); } catch (e) { console.log('wrongtype stats:', (e as any).name, (e as Error).message); }
    await c.del('s');
    // running consumer, key replaced
    let handled = 0; const errs: string[] = []; const warns: string[] = [];
    const cons2 = new Consumer({ stream: 's', group: 'g', redis: server.url, blockMs: 200, handler: () => { handled++; } });
    cons2.on('error', (e: Error) => errs.push(e.message)); cons2.on('warning', (m: string) => warns.push(m));
    await cons2.start();
    await p.send(1); await sleep(300); console.log('handled', handled);
    await c.del('s'); await c.set('s', 'x');
    await sleep(3000);
    console.log('errors in 3s', errs.length, [...new Set(errs)]);
    await c.del('s');
    await sleep(2500);
    await p.send(2); await sleep(1000);
    console.log('handled after fix', handled, 'warnings', warns);
    await cons2.close(); await p.close(); await admin.close();
  } finally { await c.close(); await server.stop(); }
}
{
  const server = await RedisServer.start({ maxMemory: '2mb' });
  const c = createClient({ url: server.url }); c.on('error', () => undefined); await c.connect();
  try {
    const p = new Producer({ stream: 'o', redis: server.url });
    await p.send({ first: true });
    await c.sendCommand(['XGROUP', 'CREATE', 'o', 'g', '0']);
    let ok = 1;
    for (;;) { try { await p.send({ i: ok, big: 'x'.repeat(10000) }); ok++; } catch (e) { break; } }
    console.log('ok', ok, 'xlen', await c.sendCommand(['XLEN', 'o']));
    let handled = 0; const errs: string[] = [];
    const cons = new Consumer({ stream: 'o', group: 'g', redis: server.url, blockMs: 200, maxDeliveries: 2, backoff: () => 10, visibilityTimeoutMs: 500, handler: (m) => { handled++; if ((m.data as any).i % 10 === 3) throw new Error('poison'); } });
    cons.on('error', (e: Error) => errs.push(e.message));
    try { await cons.start(); console.log('started'); } catch (e) { console.log('start', (e as Error).message); }
    await sleep(3000);
    console.log('handled', handled, 'errors', errs.length, [...new Set(errs)].slice(0, 4));
    console.log(await c.sendCommand(['XINFO', 'GROUPS', 'o']), await c.sendCommand(['XLEN', '{o}:dead']));
    await cons.close(); await p.close();
  } finally { await c.close(); await server.stop(); }
}
{
  const master = await RedisServer.start();
  const replica = await RedisServer.start({ replicaOf: { host: master.host, port: master.port } });
  try {
    await master.command('XADD', 'r', '*', 'd', '1');
    await master.command('XGROUP', 'CREATE', 'r', 'g', '0');
    await sleep(1000);
    const p = new Producer({ stream: 'r', redis: replica.url });
    try { await p.send(1); } catch (e) { console.log('replica send', (e as any).name, (e as any).redisCode, (e as Error).message); }
    const t = Date.now();
    const cons = new Consumer({ stream: 'r', group: 'g', redis: replica.url, handler: () => undefined });
    const errs: string[] = [];
    cons.on('error', (e: Error) => errs.push(e.message));
    try { await cons.start(); console.log('replica consumer started?'); } catch (e) { console.log('replica start', Date.now() - t, (e as any).name, (e as Error).message); }
    await cons.close();
    const cons2 = new Consumer({ stream: 'r2', group: 'g', redis: replica.url, handler: () => undefined });
    try { await cons2.start(); console.log('replica consumer2 started?'); } catch (e) { console.log('replica start2', (e as any).name, (e as Error).message); }
    await cons2.close();
    await sleep(500);
    console.log('errs', errs.length, errs.slice(0, 3));
    const admin = new Admin({ redis: replica.url });
    console.log('stats on replica', (await admin.stats('r')).groups);
    await admin.close(); await p.close();
  } finally { await replica.stop(); await master.stop(); }
}
