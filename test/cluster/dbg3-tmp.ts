import { Consumer, Producer, MetricsRegistry } from '../../src/index.js';
import { keySlot } from '../../src/keys.js';
import { LocalCluster } from '../support/cluster.js';
const delay = Number(process.argv[2] ?? 0);
const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
const redis = { rootNodes: cluster.rootNodes() };
const stream = 'dbg-' + Date.now();
const producer = new Producer({ stream, redis, registry: new MetricsRegistry() });
producer.on('error', () => undefined);
await producer.send({ a: 1 });
const consumers = [1, 2].map((i) => new Consumer({ stream, group: 'g', name: `c${i}`, redis, blockMs: 300, registry: new MetricsRegistry(), handler: () => undefined }));
for (const c of consumers) { c.on('error', () => undefined); await c.start(); }
const masters = await cluster.masters();
let victim = 0;
for (const [i, m] of masters.entries()) {
  const self = String(await m.command('CLUSTER', 'NODES')).split('\n').find((l) => l.includes('myself')) ?? '';
  if (self.trim().split(' ').slice(8).some((r) => { const [x, y = x] = r.split('-').map(Number) as [number, number?]; return keySlot(stream) >= x && keySlot(stream) <= (y as number); })) victim = i;
}
await cluster.killMaster(victim);
await cluster.waitForFailover();
await new Promise((r) => setTimeout(r, delay));
const t0 = Date.now();
await Promise.all(consumers.map((c) => c.close({ timeoutMs: 5000 })));
await producer.close();
console.log('closed in', Date.now() - t0);
await cluster.stop();
console.log('stopped');
setTimeout(() => {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  console.log('ACTIVE HANDLES', handles.length);
  for (const h of handles) { const x = h as { constructor: { name: string }; remotePort?: number; _idleTimeout?: number; _onTimeout?: unknown }; console.log(' ', x.constructor.name, x.remotePort ?? '', x._idleTimeout ?? '', String(x._onTimeout ?? '').slice(0, 150).replace(/\n/g, ' ')); }
}, 3000).unref();
