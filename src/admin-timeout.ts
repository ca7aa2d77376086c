/**
 * A time limit on every command an {@link Admin} sends. The Admin serves operators (the CLI, the
 * dashboard, `/metrics`): when Redis stops answering, they must hear so within seconds instead of
 * waiting for node-redis to reconnect. The limit is a race against a timer in the Admin alone, so
 * producers and consumers keep their pipelined hot path free of per-command timers.
 */
import type { Connection } from './connection.js';
import { TimeoutError } from './errors.js';

/** Default of `AdminOptions.commandTimeoutMs`. */
export const DEFAULT_ADMIN_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Settles like `promise`, or rejects with a {@link TimeoutError} naming `what` after `ms`. The
 * losing promise is kept from becoming an unhandled rejection (a command queued while Redis is
 * away still settles later).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`Redis did not answer ${what} within ${ms} ms (commandTimeoutMs)`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The command's name for messages: `XINFO GROUPS`, `EVALSHA`, `SCAN`… (never its arguments: they may be data). */
function commandName(args: readonly string[]): string {
  const [first = '?', second] = args;
  const name = first.toUpperCase();
  const withSub = ['XINFO', 'XGROUP', 'CONFIG', 'CLUSTER'].includes(name) && second !== undefined;
  return withSub ? `${name} ${second.toUpperCase()}` : name;
}

/**
 * `connection` with a time limit of `ms` on each command. A command that times out may still run
 * when Redis answers later (a write then takes effect late): the error says so.
 */
export function timedConnection(connection: Connection, ms: number): Connection {
  return {
    get isCluster() {
      return connection.isCluster;
    },
    get endpoint() {
      return connection.endpoint;
    },
    get isReady() {
      return connection.isReady;
    },
    send: <T>(key: string | undefined, args: readonly string[]): Promise<T> => withTimeout(connection.send<T>(key, args), ms, commandName(args)),
    duplicate: () => connection.duplicate(),
    ...(connection.masters
      ? { masters: async () => (await (connection.masters as () => Promise<Connection[]>)()).map((node) => timedConnection(node, ms)) }
      : {}),
    close: () => connection.close(),
    destroy: () => connection.destroy(),
  };
}
