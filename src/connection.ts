/**
 * The `redis` option → connections. streamq accepts a URL (`redis://`, `rediss://`, and the
 * multi-host forms `redis+cluster://h1:p1,h2:p2` and `redis+sentinel://h1:p1,h2:p2/master`),
 * node-redis client options, cluster options (`{ rootNodes: [...] }`), sentinel options
 * (`{ name, sentinelRootNodes: [...] }`), or an existing node-redis client, cluster client or
 * sentinel client, which it then never closes. Every command goes through
 * {@link Connection.send}, which routes by key on a cluster and turns Redis errors into streamq
 * errors at the edge.
 */
import { createClient, createCluster, createSentinel } from 'redis';
import type {
  RedisClientOptions, RedisClientType, RedisClusterOptions, RedisClusterType, RedisSentinelType,
} from 'redis';
import { ConnectionError, InvalidOptionError } from './errors.js';
import { isAuthFailure, redact, toStreamqError } from './redis-errors.js';
import { isExistingClient, maskUrl, parseRedisUrl, validateRedisOption, type AnyRedisSentinelOptions } from './redis-url.js';

export { maskUrl, parseRedisUrl, validateRedisOption, type AnyRedisSentinelOptions };

/** A node-redis single-node client, as streamq accepts it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisClient = RedisClientType<any, any, any, any, any>;
/** A node-redis cluster client, as streamq accepts it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisCluster = RedisClusterType<any, any, any, any, any>;
/**
 * A node-redis cluster client as applications create it (`createCluster(…)`, whatever its modules,
 * scripts or RESP version): its full type does not fit {@link AnyRedisCluster} (node-redis's
 * method types are invariant in the modules), so the option names the members streamq relies on.
 */
export type RedisClusterClient = Pick<AnyRedisCluster, 'sendCommand' | 'getSlotRandomNode' | 'isOpen' | 'close' | 'destroy'>;
/** A node-redis sentinel client (`createSentinel`), as streamq accepts it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisSentinel = RedisSentinelType<any, any, any, any, any>;

/**
 * How to reach Redis: a URL (`redis://user:pass@host:6379/0`, `rediss://…` for TLS,
 * `redis+cluster://host:port,host:port` for a cluster, `redis+sentinel://host:port,host:port/master`
 * through Sentinel), node-redis client options, node-redis cluster options (with `rootNodes`),
 * node-redis sentinel options (with `name` and `sentinelRootNodes`), or an existing node-redis
 * client / cluster client / sentinel client (streamq uses it and never closes it).
 * @default process.env.REDIS_URL, else 'redis://127.0.0.1:6379'
 */
export type RedisOption =
  | string | RedisClientOptions | RedisClusterOptions | AnyRedisSentinelOptions
  | AnyRedisClient | AnyRedisCluster | RedisClusterClient | AnyRedisSentinel;

/** Any node-redis client streamq can talk through. */
type AnyClient = AnyRedisClient | AnyRedisCluster | AnyRedisSentinel;

/**
 * Settings of the clients streamq creates. node-redis arms an AbortSignal timer for every command
 * when `commandOptions.timeout` is set (its default is 5 s), which costs more than the command
 * itself on a pipelined hot path (measured: 27k vs 220k pipelined XADD/s). streamq turns it off
 * and detects dead sockets per connection instead: a PING every `PING_INTERVAL_MS` keeps the
 * socket busy, and `socketTimeout` drops a socket that has been silent for `SOCKET_TIMEOUT_MS`
 * (then node-redis reconnects and rejects what was in flight). The blocking reader has its own
 * watchdog (consumer/reader.ts).
 */
const FAST_COMMAND_OPTIONS = { timeout: 0 };
const PING_INTERVAL_MS = 5_000;
const SOCKET_TIMEOUT_MS = 20_000;

/** How long `close()` lets commands in flight finish before dropping the sockets. */
const CLOSE_GRACE_MS = 2_000;

/** Default time to establish a connection before reporting the endpoint as unreachable. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** A connection streamq sends commands through. */
export interface Connection {
  /** Sends one command; `key` routes it on a cluster. Rejects with a streamq error. */
  send<T>(key: string | undefined, args: readonly string[]): Promise<T>;
  /** A new connection of the same kind for blocking commands (XREADGROUP BLOCK); always owned. */
  duplicate(): Promise<Connection>;
  /** Whether this talks to a Redis Cluster. */
  readonly isCluster: boolean;
  /**
   * Whether the connection is up now. While it is not, node-redis queues commands and sends them
   * on reconnect: a caller that must not act on stale state (the reclaim sweep) checks first.
   */
  readonly isReady: boolean;
  /** The masters of a cluster, each as a connection of its own (never owned); `[this]` otherwise. */
  masters?(): Promise<Connection[]>;
  /** Where it points, with any password masked, for messages. */
  readonly endpoint: string;
  /** Closes the connection if streamq opened it; leaves a user's client alone. */
  close(): Promise<void>;
  /** Drops the socket at once (for a blocking connection that stopped answering). */
  destroy(): void;
}

/** Connection settings besides the `redis` option. */
export interface ConnectSettings {
  /** Called for every error the client reports (socket errors while reconnecting…). */
  onError(error: Error): void;
  /** Time limit to connect. @default 5000 */
  connectTimeoutMs?: number;
  /** Called each time a connection streamq opened is ready again after it was lost (not for a cluster). */
  onReconnect?(): void;
  /** Longest pause between reconnect attempts (a scheduler that must be back within 250 ms of Redis uses 100). @default 1000 */
  maxReconnectDelayMs?: number;
}

const isClusterClient = (value: AnyClient): value is AnyRedisCluster =>
  typeof (value as { getSlotRandomNode?: unknown }).getSlotRandomNode === 'function';

const isSentinelClient = (value: AnyClient): value is AnyRedisSentinel =>
  typeof (value as { getMasterNode?: unknown }).getMasterNode === 'function';

const isClusterOptions = (value: object): value is RedisClusterOptions => Array.isArray((value as { rootNodes?: unknown }).rootNodes);

const isSentinelOptions = (value: object): value is AnyRedisSentinelOptions =>
  Array.isArray((value as { sentinelRootNodes?: unknown }).sentinelRootNodes);

/** Which kind of node-redis client a connection wraps. */
type ClientKind = 'client' | 'cluster' | 'sentinel';

const kindOf = (client: AnyClient): ClientKind => (isClusterClient(client) ? 'cluster' : isSentinelClient(client) ? 'sentinel' : 'client');

/**
 * What a connection's reconnect policy knows: whether it ever connected, whether it is closing,
 * when it started, and whether a refused connection before the first one is final.
 */
interface ConnectState {
  everConnected: boolean;
  closing: boolean;
  startedAt: number;
  /**
   * A refused connection (ECONNREFUSED; ENOENT for a unix socket) before the first success fails
   * at once: nothing listens there, and waiting `connectTimeoutMs` while emitting an error per
   * retry only hides that. False for a connection duplicated from a live one (its endpoint
   * answered a moment ago: a refusal is a restart, worth the usual retries).
   */
  refusedIsFinal: boolean;
}

const newState = (refusedIsFinal: boolean): ConnectState => ({ everConnected: false, closing: false, startedAt: Date.now(), refusedIsFinal });

/** Socket error codes that mean nothing listens at the address. */
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOENT']);

/**
 * Longest wait between two reconnect attempts. Attempts at a server that is down cost little, and a
 * short cap bounds how long after Redis is back every consumer has reconnected (consumers hold off
 * their reclaim sweeps for longer than this after a reconnect; see consumer.ts).
 */
export const RECONNECT_MAX_DELAY_MS = 1_000;

/**
 * A reconnect policy: exponential with jitter up to `maxDelayMs` ({@link RECONNECT_MAX_DELAY_MS} by default). Before the first connection it gives up
 * on refused credentials and (see {@link ConnectState.refusedIsFinal}) a refused connection at
 * once, and on anything else after `timeoutMs`; once connected it never gives up (a Redis restart
 * is survived).
 */
function reconnectPolicy(timeoutMs: number, state: ConnectState, maxDelayMs = RECONNECT_MAX_DELAY_MS) {
  return (retries: number, cause: Error): number | false | Error => {
    if (state.closing) return false;
    if (!state.everConnected) {
      const refused = state.refusedIsFinal && REFUSED_CODES.has((cause as NodeJS.ErrnoException).code ?? '');
      if (refused || isAuthFailure(cause) || Date.now() - state.startedAt >= timeoutMs) return cause;
    }
    const base = Math.min(maxDelayMs, 50 * 2 ** Math.min(retries, 6));
    return Math.round(base / 2 + Math.random() * (base / 2));
  };
}

function endpointOf(option: RedisClientOptions | RedisClusterOptions | AnyRedisSentinelOptions | string): string {
  if (typeof option === 'string') return maskUrl(option);
  if (isClusterOptions(option)) {
    const first = option.rootNodes[0] as RedisClientOptions | undefined;
    return `cluster(${first ? endpointOf(first) : '?'})`;
  }
  if (isSentinelOptions(option)) {
    const first = option.sentinelRootNodes[0];
    return `sentinel(${option.name}@${first ? `${first.host}:${first.port}` : '?'})`;
  }
  if (option.url) return maskUrl(option.url);
  const socket = option.socket as { host?: string; port?: number; path?: string } | undefined;
  return socket?.path ?? `${socket?.host ?? '127.0.0.1'}:${socket?.port ?? 6379}`;
}

class NodeRedisConnection implements Connection {
  readonly isCluster: boolean;
  readonly endpoint: string;
  readonly #kind: ClientKind;
  readonly #client: AnyClient;
  readonly #owned: boolean;
  readonly #settings: ConnectSettings;
  readonly #state: ConnectState;

  constructor(client: AnyClient, owned: boolean, endpoint: string, settings: ConnectSettings,
    state: ConnectState) {
    this.#client = client;
    this.#owned = owned;
    this.endpoint = endpoint;
    this.#settings = settings;
    this.#state = state;
    this.#kind = kindOf(client);
    this.isCluster = this.#kind === 'cluster';
  }

  get isReady(): boolean {
    // A cluster client has no single socket: treat it as ready (its nodes reconnect one by one).
    return this.#kind === 'cluster' || (this.#client as { isReady?: boolean }).isReady !== false;
  }

  /** The node-redis client this connection talks through. */
  get client(): AnyClient {
    return this.#client;
  }

  send<T>(key: string | undefined, args: readonly string[]): Promise<T> {
    const pending = this.#kind === 'cluster'
      ? (this.#client as AnyRedisCluster).sendCommand(key, false, args as string[])
      : this.#kind === 'sentinel'
        ? (this.#client as AnyRedisSentinel).sendCommand(false, args as string[])
        : (this.#client as AnyRedisClient).sendCommand(args as string[]);
    return (pending as Promise<T>).catch((error: unknown) => {
      throw toStreamqError(error, args[0] ?? '', this.endpoint);
    });
  }

  async masters(): Promise<Connection[]> {
    if (this.#kind !== 'cluster') return [this];
    const cluster = this.#client as AnyRedisCluster;
    return Promise.all(cluster.masters.map(async (master) => new NodeRedisConnection(
      await cluster.nodeClient(master) as AnyRedisClient, false, `${master.host}:${master.port}`, this.#settings,
      { ...newState(false), everConnected: true },
    )));
  }

  async duplicate(): Promise<Connection> {
    const state = newState(false);
    const timeoutMs = this.#settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const copy = this.#kind === 'cluster'
      ? (this.#client as AnyRedisCluster).duplicate()
      : this.#kind === 'sentinel'
        ? (this.#client as AnyRedisSentinel).duplicate()
        : (this.#client as AnyRedisClient).duplicate({
            // A blocked XREADGROUP is silent for up to BLOCK ms and a PING would queue behind it:
            // the reader's own watchdog guards this connection instead.
            pingInterval: undefined,
            socket: {
              ...(this.#client as AnyRedisClient).options?.socket, socketTimeout: undefined, reconnectStrategy: reconnectPolicy(timeoutMs, state),
            },
          } as Partial<RedisClientOptions>);
    return connectClient(copy as AnyClient, true, this.endpoint, this.#settings, state);
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    this.#state.closing = true;
    // Graceful close waits for commands in flight; one queued for a node that is gone (a cluster
    // master that failed over, whose client no longer reconnects now that we are closing) would
    // never settle: after a grace period, drop the sockets and reject what is left.
    let timer: NodeJS.Timeout | undefined;
    const graceful = Promise.resolve(this.#client.close()).then(() => true, () => false);
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS); });
    const closed = await Promise.race([graceful, timedOut]);
    clearTimeout(timer);
    if (!closed) destroyClient(this.#client);
  }

  destroy(): void {
    this.#state.closing = true;
    if (this.#client.isOpen) destroyClient(this.#client);
  }
}

/** Drops a client's sockets at once (a sentinel client's destroy() returns a promise). */
function destroyClient(client: AnyClient): void {
  try {
    const done = client.destroy() as unknown;
    if (done instanceof Promise) done.catch(() => undefined);
  } catch {
    /* already closed */
  }
}

async function connectClient(
  client: AnyClient,
  owned: boolean,
  endpoint: string,
  settings: ConnectSettings,
  state: ConnectState,
): Promise<Connection> {
  const connection = new NodeRedisConnection(client, owned, endpoint, settings, state);
  if (!owned) return connection;
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    settings.onError(toStreamqError(error, 'connect', endpoint));
  });
  client.on('ready', () => {
    if (state.everConnected && !state.closing) settings.onReconnect?.();
    state.everConnected = true;
  });
  const timeoutMs = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Name the cause the client kept running into (TLS verification, refused connections…).
      const cause = lastError === undefined ? '' : ` (last error: ${redact(lastError.message)})`;
      reject(new ConnectionError(`Cannot connect to Redis at ${endpoint}: no answer within ${timeoutMs} ms${cause}`, { cause: lastError }));
    }, timeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
    // A PING proves the far end speaks Redis (a TCP accept alone does not).
    await Promise.race([connection.send(undefined, ['PING']), deadline]);
    state.everConnected = true;
    return connection;
  } catch (error) {
    state.closing = true;
    destroyClient(client);
    throw toStreamqError(error, 'connect', endpoint);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves the `redis` option into a connected {@link Connection}. */
export async function connect(option: RedisOption | undefined, settings: ConnectSettings): Promise<Connection> {
  validateRedisOption(option);
  const given = option ?? (process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  if (typeof given === 'object' && isExistingClient(given)) {
    const client = given as AnyClient;
    if (!client.isOpen) throw new ConnectionError('The node-redis client given as `redis` is not connected: call `await client.connect()` first');
    return connectClient(client, false, kindOf(client), settings, { ...newState(false), everConnected: true });
  }
  const resolved = typeof given === 'string' ? parseRedisUrl(given) : given;
  const endpoint = typeof given === 'string' ? maskUrl(given) : endpointOf(resolved as string | RedisClientOptions | RedisClusterOptions | AnyRedisSentinelOptions);
  const state = newState(true);
  const timeoutMs = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const reconnectStrategy = reconnectPolicy(timeoutMs, state, settings.maxReconnectDelayMs);
  if (typeof resolved === 'object' && isClusterOptions(resolved)) {
    const cluster = createCluster({
      ...resolved,
      commandOptions: { ...FAST_COMMAND_OPTIONS, ...resolved.commandOptions },
      defaults: {
        pingInterval: PING_INTERVAL_MS, ...resolved.defaults, RESP: 2,
        socket: { connectTimeout: timeoutMs, socketTimeout: SOCKET_TIMEOUT_MS, ...resolved.defaults?.socket, reconnectStrategy },
      },
    } as unknown as RedisClusterOptions);
    return connectClient(cluster as unknown as AnyRedisCluster, true, endpoint, settings, state);
  }
  if (typeof resolved === 'object' && isSentinelOptions(resolved)) {
    const nodeOptions = resolved.nodeClientOptions ?? {};
    const sentinel = createSentinel({
      passthroughClientErrorEvents: true,
      ...resolved,
      RESP: 2,
      nodeClientOptions: { ...nodeOptions, socket: { connectTimeout: timeoutMs, ...nodeOptions.socket, reconnectStrategy } },
      sentinelClientOptions: { ...resolved.sentinelClientOptions, socket: { connectTimeout: timeoutMs, ...resolved.sentinelClientOptions?.socket } },
    } as unknown as AnyRedisSentinelOptions);
    return connectClient(sentinel as unknown as AnyRedisSentinel, true, endpoint, settings, state);
  }
  const options: RedisClientOptions = typeof resolved === 'string' ? { url: resolved } : { ...(resolved as RedisClientOptions) };
  const client = createClientOrExplain({
    pingInterval: PING_INTERVAL_MS,
    ...options,
    commandOptions: { ...FAST_COMMAND_OPTIONS, ...options.commandOptions },
    RESP: 2,
    socket: { connectTimeout: timeoutMs, socketTimeout: SOCKET_TIMEOUT_MS, ...options.socket, reconnectStrategy } as RedisClientOptions['socket'],
  } as unknown as RedisClientOptions);
  return connectClient(client as unknown as AnyRedisClient, true, endpoint, settings, state);
}

/**
 * createClient, with options node-redis refuses (a URL was checked already; e.g. `socket.tls`
 * contradicting the URL's scheme) reported as an InvalidOptionError. node-redis's message may
 * quote the URL whole: it is shown masked, and node's error is not kept as the cause.
 */
function createClientOrExplain(options: RedisClientOptions): ReturnType<typeof createClient> {
  try {
    return createClient(options);
  } catch (error) {
    const url = options.url;
    const message = redact(url === undefined ? (error as Error).message : (error as Error).message.split(url).join(maskUrl(url)));
    throw new InvalidOptionError(`Invalid Redis options${url === undefined ? '' : ` for ${maskUrl(url)}`}: ${message}`);
  }
}

/** A node-redis client opened from a `redis` option, to be shared by many producers and consumers. */
export interface SharedRedis {
  /** The client (single-node, cluster or sentinel): pass it as the `redis` option of each producer and consumer. */
  readonly redis: AnyRedisClient | AnyRedisCluster | AnyRedisSentinel;
  /** A streamq connection over the same client. */
  readonly connection: Connection;
  /** Closes the client if it was opened here (a client given as the option stays open). */
  close(): Promise<void>;
}

/**
 * Opens one node-redis client for the `redis` option (or adopts the client given), so that many
 * producers and consumers (e.g. one per partition) share its connections instead of opening their own.
 */
export async function connectShared(option: RedisOption | undefined, settings: ConnectSettings): Promise<SharedRedis> {
  const connection = await connect(option, settings);
  const client = (connection as NodeRedisConnection).client as AnyRedisClient | AnyRedisCluster | AnyRedisSentinel;
  return { redis: client, connection, close: () => connection.close() };
}
