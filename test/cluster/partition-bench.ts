/**
 * Benchmark (not a test): throughput of 1 vs N partitions on a local Redis Cluster.
 *
 *   node --import tsx test/cluster/partition-bench.ts [--messages 60000] [--ordered 6000] [--runs 3] [--replicas 1] [--partitions 1,3,6,12]
 *
 * For each partition count: produce (PartitionedProducer.sendMany, round robin, 4 batches in
 * flight), consume (PartitionedConsumer, one member, concurrency 64 per partition, no-op handler),
 * and ordered consumption (ordered: true, concurrency 1 per partition, a handler of ~0.2 ms of
 * async work); each `--runs` times, on fresh streams, in rotation over the partition counts (so a
 * burst of load elsewhere on the machine does not hit one count only). Prints a Markdown table of
 * medians with [min–max]. Everything runs on this machine: the cluster's
 * redis-server processes and this single Node.js process share its cores.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { MetricsRegistry } from '../../src/index.js';
import { PartitionedConsumer, PartitionedProducer } from '../../src/partitioned.js';
import { LocalCluster } from '../support/cluster.js';
import { waitFor } from '../support/poll.js';
import { uniqueName } from '../support/redis-server.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '60000' },
    ordered: { type: 'string', default: '6000' },
    replicas: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '1,3,6,12' },
    runs: { type: 'string', default: '3' },
  },
});
const MESSAGES = Number(values.messages);
const ORDERED_MESSAGES = Number(values.ordered);
const PARTITION_COUNTS = String(values.partitions).split(',').map(Number);
const BATCH = 1_000;
const IN_FLIGHT = 4;
const payload = (n: number) => ({ n, customer: `customer-${n % 997}`, total: 1234.5, items: ['sku-1', 'sku-2'], note: 'x'.repeat(40) });

interface Row { partitions: number; produce: number[]; consume: number[]; ordered: number[] }

async function produce(producer: PartitionedProducer<ReturnType<typeof payload>>, count: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + BATCH);
      await producer.sendMany(Array.from({ length: next - from }, (_u, i) => payload(from + i)));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return count / ((performance.now() - started) / 1000);
}

async function consume(redis: { rootNodes: { url: string }[] }, stream: string, partitions: number, count: number, ordered: boolean): Promise<number> {
  let handled = 0;
  const consumer = new PartitionedConsumer<ReturnType<typeof payload>>({
    stream, partitions, group: ordered ? 'ordered' : 'plain', redis, ordered, blockMs: 100, registry: new MetricsRegistry(),
    ...(ordered ? { leaseTtlMs: 3_000 } : { concurrency: 64 }),
    handler: ordered ? async () => { await yieldToLoop(); handled++; } : () => { handled++; },
  });
  const started = performance.now();
  await consumer.start();
  await waitFor(() => handled >= count, { deadlineMs: 600_000, intervalMs: 5, description: `${count} handled` });
  const rate = count / ((performance.now() - started) / 1000);
  await consumer.close();
  return rate;
}

async function measure(redis: { rootNodes: { url: string }[] }, partitions: number): Promise<{ produce: number; consume: number; ordered: number }> {
  const stream = uniqueName(`bench-p${partitions}`);
  const producer = new PartitionedProducer<ReturnType<typeof payload>>({ stream, partitions, redis, registry: new MetricsRegistry() });
  await producer.connect();
  await produce(producer, 2_000); // warm-up (scripts cached, connections open)
  const produceRate = await produce(producer, MESSAGES - 2_000);
  const consumeRate = await consume(redis, stream, partitions, MESSAGES, false);
  const orderedStream = uniqueName(`bench-o${partitions}`);
  const orderedProducer = new PartitionedProducer<ReturnType<typeof payload>>({ stream: orderedStream, partitions, redis, registry: new MetricsRegistry() });
  await produce(orderedProducer, ORDERED_MESSAGES);
  const orderedRate = await consume(redis, orderedStream, partitions, ORDERED_MESSAGES, true);
  await orderedProducer.close();
  await producer.close();
  return { produce: produceRate, consume: consumeRate, ordered: orderedRate };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const replicas = Number(values.replicas);
  const runs = Number(values.runs);
  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: replicas });
  const rows: Row[] = PARTITION_COUNTS.map((partitions) => ({ partitions, produce: [], consume: [], ordered: [] }));
  try {
    const redis = { rootNodes: cluster.rootNodes() };
    for (let run = 1; run <= runs; run++) {
      for (const row of rows) {
        const result = await measure(redis, row.partitions);
        row.produce.push(result.produce);
        row.consume.push(result.consume);
        row.ordered.push(result.ordered);
        console.error(`run ${run}, partitions=${row.partitions}: produce ${result.produce.toFixed(0)}/s, consume ${result.consume.toFixed(0)}/s, ordered ${result.ordered.toFixed(0)}/s`);
      }
    }
  } finally {
    await cluster.stop();
  }
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const cell = (samples: number[]) => `${k(median(samples))} [${k(Math.min(...samples))}–${k(Math.max(...samples))}]`;
  console.log(`\nLocal cluster: 3 masters × ${replicas} replica(s); ${availableParallelism()} CPU(s) (${cpus()[0]?.model ?? '?'}); Node ${process.version}; ${MESSAGES} messages (ordered: ${ORDERED_MESSAGES}); median [min–max] of ${runs} runs.\n`);
  console.log('| partitions | produce msg/s (sendMany) | consume msg/s | ordered consume msg/s |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.partitions} | ${cell(row.produce)} | ${cell(row.consume)} | ${cell(row.ordered)} |`);
}

await main();
