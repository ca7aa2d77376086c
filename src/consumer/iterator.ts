/**
 * `for await (const msg of consumer)`: messages are handed out in delivery order; the loop ends
 * when the consumer closes. Breaking out of the loop closes nothing: call `consumer.close()`.
 */
import type { Message } from './message.js';

/** An async queue of messages with any number of waiting readers. */
export class MessageIterator<T> {
  readonly #buffer: Message<T>[] = [];
  readonly #waiters: ((result: IteratorResult<Message<T>>) => void)[] = [];
  #ended = false;

  /** Adds a message. */
  push(message: Message<T>): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter({ value: message, done: false });
    else this.#buffer.push(message);
  }

  /** Ends iteration; buffered messages stay pending in Redis for other consumers. */
  end(): Message<T>[] {
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
    return this.#buffer.splice(0);
  }

  /** The next message, or done once ended. */
  next(): Promise<IteratorResult<Message<T>>> {
    const message = this.#buffer.shift();
    if (message) return Promise.resolve({ value: message, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
