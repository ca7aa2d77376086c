import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const RedisCluster = require('@redis/client/dist/lib/cluster').default;
const pending = new Map<number, { args: string; at: number }>();
let seq = 0;
const orig = RedisCluster.prototype.sendCommand;
RedisCluster.prototype.sendCommand = function (key: unknown, ro: unknown, args: string[], opts: unknown) {
  const id = seq++;
  pending.set(id, { args: args.slice(0, 4).join(' '), at: Date.now() });
  const p = orig.call(this, key, ro, args, opts);
  p.then(() => pending.delete(id), () => pending.delete(id));
  return p;
};
const origClose = RedisCluster.prototype.close;
RedisCluster.prototype.close = function () { const t = Date.now(); console.error('cluster.close start'); const p = origClose.call(this); p.then(() => console.error('cluster.close done', Date.now() - t), (e: Error) => console.error('cluster.close err', e.message)); return p; };
setTimeout(() => {
  console.error('PENDING after 15s:', [...pending.values()].map((p) => `${p.args} (${Date.now() - p.at}ms)`));
  console.error('RESOURCES', process.getActiveResourcesInfo().join(','));
}, 12_000).unref();
await import('./dbg3-tmp.js');
