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
  RedisClientOptions, RedisClientType, RedisClusterOptions, RedisClusterType, RedisSentinelOptions, RedisSentinelType,
} from 'redis';
import { ConnectionError, InvalidOptionError } from './errors.js';
import { isAuthFailure, redact, toStreamqError } from './redis-errors.js';

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
/** node-redis sentinel options (`{ name, sentinelRootNodes }`), as streamq accepts them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisSentinelOptions = RedisSentinelOptions<any, any, any, any, any>;

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
  /** Longest pause between reconnect attempts (a scheduler that must be back within 250 ms of Redis uses 100). @default 2000 */
  maxReconnectDelayMs?: number;
}

/** `redis://user:secret@host` → `redis://user:***@host` (also `redis+cluster://…`, `redis+sentinel://…`). */
export function maskUrl(url: string): string {
  // Up to the LAST '@': a password may hold '/', '#', '?' or '@' (unencoded), and must never show.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)(.*)@/i, (_match, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return colon === -1 ? `${scheme}***@` : `${scheme}${auth.slice(0, colon)}:***@`;
  });
}

const isExistingClient = (value: object): value is AnyClient =>
  typeof (value as { sendCommand?: unknown }).sendCommand === 'function';

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

/** `h1:p1,h2:p2` → hosts and ports (IPv6 in brackets: `[::1]:7000`). */
function parseHostList(list: string, url: string): { host: string; port: number }[] {
  return list.split(',').filter((part) => part.length > 0).map((part) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(part);
    if (!match) throw new InvalidOptionError(`Cannot parse host "${part}" in Redis URL ${maskUrl(url)}`);
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: match[2] === undefined ? 6379 : Number(match[2]) };
  });
}

/**
 * Multi-host URL forms → node-redis options:
 * - `redis+cluster://[user:pass@]h1:p1,h2:p2` (`rediss+cluster://` for TLS) → cluster options, the
 *   hosts being root nodes and the credentials (and TLS) applying to every node;
 * - `redis+sentinel://[user:pass@]h1:p1,h2:p2/masterName` (`rediss+sentinel://` for TLS) →
 *   sentinel options, the credentials (and TLS) applying to the master and replicas.
 * Any other string is returned as is (a plain `redis://` or `rediss://` URL for node-redis).
 */
export function parseRedisUrl(url: string): string | RedisClusterOptions | AnyRedisSentinelOptions {
  const match = /^(rediss?)\+(cluster|sentinel):\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?/i.exec(url);
  if (!match) return url;
  const [, scheme = 'redis', kind = '', auth, hostList = '', path = ''] = match;
  const tls = scheme.toLowerCase() === 'rediss';
  const credentials: { username?: string; password?: string } = {};
  if (auth !== undefined && auth.length > 0) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon === -1 ? auth : auth.slice(0, colon));
    if (user.length > 0) credentials.username = user;
    if (colon !== -1) credentials.password = decodeURIComponent(auth.slice(colon + 1));
  }
  const hosts = parseHostList(hostList, url);
  if (hosts.length === 0) throw new InvalidOptionError(`Expected at least one host in Redis URL ${maskUrl(url)}`);
  if (kind.toLowerCase() === 'cluster') {
    const bracket = (host: string): string => (host.includes(':') ? `[${host}]` : host);
    return {
      rootNodes: hosts.map((h) => ({ url: `${tls ? 'rediss' : 'redis'}://${bracket(h.host)}:${h.port}` })),
      defaults: { ...credentials, ...(tls ? { socket: { tls: true } } : {}) },
    } as RedisClusterOptions;
  }
  const name = decodeURIComponent(path.replace(/^\//, ''));
  if (name.length === 0) throw new InvalidOptionError(`Expected the master name in Redis URL ${maskUrl(url)} (redis+sentinel://host:port/mymaster)`);
  return {
    name,
    sentinelRootNodes: hosts,
    nodeClientOptions: { ...credentials, ...(tls ? { socket: { tls: true } } : {}) },
  } as AnyRedisSentinelOptions;
}

/** A reconnect policy: exponential with jitter up to `maxDelayMs`; gives up only before the first connection. */
function reconnectPolicy(timeoutMs: number, state: { everConnected: boolean; closing: boolean; startedAt: number }, maxDelayMs = 2_000) {
  return (retries: number, cause: Error): number | false | Error => {
    if (state.closing) return false;
    // Before the first connection, refused credentials will not get better by retrying: report them at once.
    if (!state.everConnected && (isAuthFailure(cause) || Date.now() - state.startedAt >= timeoutMs)) return cause;
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
  readonly #state: { everConnected: boolean; closing: boolean; startedAt: number };

  constructor(client: AnyClient, owned: boolean, endpoint: string, settings: ConnectSettings,
    state: { everConnected: boolean; closing: boolean; startedAt: number }) {
    this.#client = client;
    this.#owned = owned;
    this.endpoint = endpoint;
    this.#settings = settings;
    this.#state = state;
    this.#kind = kindOf(client);
    this.isCluster = this.#kind === 'cluster';
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
      { everConnected: true, closing: false, startedAt: Date.now() },
    )));
  }

  async duplicate(): Promise<Connection> {
    const state = { everConnected: false, closing: false, startedAt: Date.now() };
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
  state: { everConnected: boolean; closing: boolean; startedAt: number },
): Promise<Connection> {
  const connection = new NodeRedisConnection(client, owned, endpoint, settings, state);
  if (!owned) return connection;
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    settings.onError(toStreamqError(error, 'connect', endpoint));
  });
  client.on('ready', () => { state.everConnected = true; });
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
  const given = option ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (typeof given === 'object' && isExistingClient(given)) {
    const state = { everConnected: true, closing: false, startedAt: Date.now() };
    if (!given.isOpen) throw new ConnectionError('The node-redis client given as `redis` is not connected: call `await client.connect()` first');
    return connectClient(given, false, kindOf(given), settings, state);
  }
  if (typeof given !== 'string' && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new InvalidOptionError(`Expected \`redis\` to be a URL, node-redis client options or a node-redis client, got ${given === null ? 'null' : Array.isArray(given) ? 'an array' : typeof given}`);
  }
  const resolved = typeof given === 'string' ? parseRedisUrl(given) : given;
  const endpoint = typeof given === 'string' ? maskUrl(given) : endpointOf(resolved as string | RedisClientOptions | RedisClusterOptions | AnyRedisSentinelOptions);
  const state = { everConnected: false, closing: false, startedAt: Date.now() };
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

/** createClient, with a malformed URL reported as an InvalidOptionError that shows the URL masked (node's TypeError carries it whole). */
function createClientOrExplain(options: RedisClientOptions): ReturnType<typeof createClient> {
  try {
    return createClient(options);
  } catch (error) {
    const url = options.url === undefined ? '' : ` ${maskUrl(options.url)}`;
    throw new InvalidOptionError(`Invalid Redis URL${url}: expected redis://[[user]:password@]host[:port][/db] (or rediss://, redis+cluster://, redis+sentinel://): ${(error as Error).message.replace(/https?:\/\/\S+|redis\S*/gi, '…')}`);
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
