// Identifiers the documentation's code samples use without defining them: the application's own
// types, functions and values around the streamq calls. scripts/check-samples.mjs compiles every
// sample with these in scope (a sample that defines one itself shadows it). Keep each one as a
// user's app would have it; add a line when a new sample needs one more.

/** The application's payload in most samples. */
interface Order {
  id: number;
  customerId: string;
}

/** Bills an order (the README's handler body). */
declare function bill(order: { id: number }): Promise<void>;
/** Whether an order can be handled now / can never be. */
declare function ok(order: { id: number }): boolean;
declare function poison(order: { id: number }): boolean;
/** Inserts a batch; resolves with the IDs that failed. */
declare function insertMany(orders: { id: number }[]): Promise<Set<number>>;
/** Runs a report (the schedules sample). */
declare function run(report: string, scheduledAt: string | undefined, missedFrom: string | undefined): Promise<void>;
/** A message handler defined elsewhere in the app. */
declare function handler(message: import('streamq').Message<Order>): Promise<void>;

declare const producer: import('streamq').Producer<unknown>;
declare const redis: import('streamq').RedisOption;
declare const order: Order;
declare const orders: Order[];
declare const event: Order;
declare const reminder: { userId: string; text: string };
declare const payment: { txId: string; amount: number };
/** Runs a scheduled report (README's Scheduler sample). */
declare function run(report: string, scheduledAt?: string, missedFrom?: string): Promise<void>;
