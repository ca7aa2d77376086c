// What this Redis does with XADDs alone: redis-benchmark, 50 connections, pipelined 64 deep, the
// same payload, no Node in the loop.
import { spawn } from 'node:child_process';
import { track } from '../children.js';
import { makePayload } from '../common.js';
import { flush, type Env } from '../env.js';
import { withDeadline } from '../measure.js';

export async function measureCeiling(env: Env): Promise<{ rate: number; command: string }> {
  await flush(env);
  const payload = JSON.stringify(makePayload(0));
  const args = ['-h', '127.0.0.1', '-p', String(env.redis.port), '-n', String(Math.max(env.cfg.n, 100_000)), '-c', '50', '-P', '64', '-q', 'XADD', 'bench-ceiling', '*', 'd', payload];
  const command = `redis-benchmark ${args.slice(2).map((a) => (/[\s*"{]/.test(a) ? `'${a}'` : a)).join(' ')}`;
  const out = await withDeadline(
    new Promise<string>((resolveOut, reject) => {
      const p = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      track(p);
      let text = '';
      p.stdout.on('data', (b: Buffer) => (text += b.toString()));
      p.stderr.on('data', (b: Buffer) => (text += b.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolveOut(text) : reject(new Error(`redis-benchmark exited ${code}: ${text.slice(-300)}`))));
    }),
    120_000,
    'redis-benchmark',
  );
  const m = /([\d.]+) requests per second/.exec(out.split('\r').pop() ?? out) ?? /([\d.]+) requests per second/.exec(out);
  if (!m) throw new Error(`could not parse redis-benchmark output: ${out.slice(-300)}`);
  return { rate: Number(m[1]), command };
}
