/**
 * `for await (const msg of consumer)`: messages are handed out in delivery order; the loop ends
 * when the consumer closes, and rejects with the error when the consumer cannot start or stops on
 * an error. Breaking out of the loop closes nothing: call `consumer.close()`.
 */
import type { Message } from './message.js';

/** An async queue of messages with any number of waiting readers. */
export class MessageIterator<T> {
  readonly #buffer: Message<T>[] = [];
  readonly #waiters: { resolve: (result: IteratorResult<Message<T>>) => void; reject: (error: Error) => void }[] = [];
  readonly #onHandOut: (message: Message<T>) => void;
  #ended = false;
  #error: Error | undefined;

  /** `onHandOut` is called for every message as it leaves the buffer for the caller. */
  constructor(onHandOut: (message: Message<T>) => void = () => undefined) {
    this.#onHandOut = onHandOut;
  }

  /** Messages read and not yet handed out. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Adds a message. */
  push(message: Message<T>): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#onHandOut(message);
      waiter.resolve({ value: message, done: false });
    } else {
      this.#buffer.push(message);
    }
  }

  /** Ends iteration; buffered messages stay pending in Redis for other consumers. */
  end(): Message<T>[] {
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    return this.#buffer.splice(0);
  }

  /** Fails iteration: every waiting and later `next()` rejects with `error`. */
  fail(error: Error): Message<T>[] {
    this.#error ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    return this.end();
  }

  /** The next message, or done once ended. */
  next(): Promise<IteratorResult<Message<T>>> {
    const message = this.#buffer.shift();
    if (message) {
      this.#onHandOut(message);
      return Promise.resolve({ value: message, done: false });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}
