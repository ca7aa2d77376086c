import { setTimeout as pause } from 'node:timers/promises';
import { Admin, Producer, MetricsRegistry } from '../../src/index.js';
import { keySlot } from '../../src/keys.js';
import { LocalCluster } from '../support/cluster.js';
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
const redis = { rootNodes: cluster.rootNodes() };
const stream = 'dbg-' + Date.now();
const producer = new Producer({ stream, redis, registry: new MetricsRegistry() });
producer.on('error', () => undefined);
const admins = [new Admin({ redis }), new Admin({ redis }), new Admin({ redis })];
await producer.send({ a: 1 });
for (const a of admins) await a.stats(stream);
const masters = await cluster.masters();
let victim = 0;
for (const [i, m] of masters.entries()) {
  const self = String(await m.command('CLUSTER', 'NODES')).split('\n').find((l) => l.includes('myself')) ?? '';
  if (self.trim().split(' ').slice(8).some((r) => { const [x, y = x] = r.split('-').map(Number) as [number, number?]; return keySlot(stream) >= x && keySlot(stream) <= (y as number); })) victim = i;
}
await cluster.killMaster(victim);
await cluster.waitForFailover();
console.log('failed over');
for (const [i, a] of admins.entries()) {
  await pause(i * 1500);
  try { await a.read(stream); console.log('admin', i, 'read ok'); } catch (e) { console.log('admin', i, 'error', (e as Error).message); }
}
try { await producer.send({ a: 2 }); console.log('send ok'); } catch (e) { console.log('send error', (e as Error).message); }
await producer.close();
for (const a of admins) await a.close();
await cluster.stop();
console.log('stopped');
setTimeout(() => {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  console.log('ACTIVE HANDLES', handles.length);
  for (const h of handles) { const x = h as { constructor: { name: string }; remotePort?: number; _idleTimeout?: number; _onTimeout?: unknown }; console.log(' ', x.constructor.name, x.remotePort ?? '', x._idleTimeout ?? '', String(x._onTimeout ?? '').slice(0, 150).replace(/\n/g, ' ')); }
}, 3000).unref();
