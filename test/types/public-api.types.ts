/**
 * Type-level tests of the public API, compiled by `npm run typecheck` and never run. Each
 * `@ts-expect-error` line proves a refusal: if the types ever accept it again, the directive is
 * unused and the typecheck fails.
 */
import {
  Consumer, PartitionedConsumer, PartitionedProducer, Producer, type ConsumerOptions, type DeadLetterEvent, type Message,
  type StartAt,
} from '../../src/index.js';

interface Order { id: number }

declare function handle(order: Order): Promise<void>;

export function typedEvents(consumer: Consumer<Order>, producer: Producer<Order>): void {
  consumer.on('error', (error: Error) => console.error(error.message));
  consumer.on('warning', (message: string, context?: Record<string, unknown>) => console.warn(message, context));
  consumer.on('deadLetter', (info: { id: string; reason: string }) => console.log(info.id, info.reason));
  consumer.once('deadLetter', (info) => {
    const checked: DeadLetterEvent = info;
    console.log(checked);
  });
  consumer.off('error', () => undefined);
  producer.on('error', (error) => console.error(error.message));

  // @ts-expect-error a typo in an event name
  consumer.on('eror', (error: Error) => console.error(error));
  // @ts-expect-error an event the consumer does not emit
  consumer.on('message', () => undefined);
  // @ts-expect-error a listener with the wrong argument type
  consumer.on('error', (error: string) => console.error(error));
  // @ts-expect-error a warning's message is a string
  consumer.on('warning', (message: number) => console.warn(message));
  // @ts-expect-error a dead letter is an object, not an id
  consumer.on('deadLetter', (id: string) => console.log(id));
  // @ts-expect-error producers emit no dead letters
  producer.on('deadLetter', () => undefined);
}

export function startAt(): void {
  const base = { stream: 'orders', group: 'billing', handler: (m: Message<Order>) => handle(m.data) };
  new Consumer<Order>({ ...base, startAt: '0' });
  new Consumer<Order>({ ...base, startAt: '$' });
  new Consumer<Order>({ ...base, startAt: '1700000000000-0' });
  const id: StartAt = `${Date.now()}-0`;
  new Consumer<Order>({ ...base, startAt: id });
  // @ts-expect-error 'now' is not a start position
  new Consumer<Order>({ ...base, startAt: 'now' });
  // @ts-expect-error a number is not a start position
  new Consumer<Order>({ ...base, startAt: 0 });
}

export function handlers(): void {
  new Consumer<Order>({ stream: 'orders', group: 'a', handler: async (msg) => handle(msg.data) });
  new Consumer<Order>({ stream: 'orders', group: 'b', batchHandler: async (msgs) => { for (const m of msgs) await handle(m.data); } });
  new Consumer<Order>({ stream: 'orders', group: 'c' }); // neither: iterate with for await
  // @ts-expect-error handler and batchHandler together
  new Consumer<Order>({ stream: 'orders', group: 'd', handler: async () => undefined, batchHandler: async () => undefined });
  const both = { stream: 'orders', group: 'e', handler: async () => undefined, batchHandler: async () => undefined };
  // @ts-expect-error through a variable too
  const options: ConsumerOptions<Order> = both;
  console.log(options);
  // @ts-expect-error the same for a partitioned consumer
  new PartitionedConsumer<Order>({ stream: 'orders', partitions: 4, group: 'f', handler: async () => undefined, batchHandler: async () => undefined });
  // @ts-expect-error an unknown option is a compile error as well as a run-time one
  new Producer<Order>({ stream: 'orders', concurency: 4 });
  // @ts-expect-error a nested unknown option
  new PartitionedProducer<Order>({ stream: 'orders', partitions: 4, retention: { maxlen: 10 } });
}
