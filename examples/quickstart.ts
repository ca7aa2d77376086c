/**
 * The README's examples, type-checked by `npm run typecheck` so they keep compiling.
 * Run: `node --import tsx examples/quickstart.ts` (needs Redis at REDIS_URL or 127.0.0.1:6379).
 */
import { Admin, Consumer, Producer, UnrecoverableError, type Message } from '../src/index.js';

interface Order { id: number }

const bill = async (order: Order): Promise<void> => { console.log('billed order', order.id); };

export async function main(): Promise<void> {
  const stream = `orders-example-${process.pid}`;
  const producer = new Producer<Order>({ stream });
  const id = await producer.send({ id: 1 }, { headers: { source: 'web' } });
  const ids = await producer.sendMany([{ id: 2 }, { id: 3 }]);
  console.log('sent', id, ids);

  const consumer = new Consumer<Order>({
    stream,
    group: 'billing',
    concurrency: 16,
    handler: async (msg: Message<Order>) => {
      if (msg.data.id < 0) throw new UnrecoverableError('negative order id');
      await bill(msg.data);
    },
  });
  consumer.on('error', (err: Error) => console.error(err));
  await consumer.start();
  await consumer.onIdle();

  const admin = new Admin();
  console.log(await admin.stats(stream));

  await consumer.close();
  await producer.close();
  await admin.deleteStream(stream);
  await admin.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
