/**
 * The `redis` option → connections. streamq accepts a URL, node-redis client options, cluster
 * options (`{ rootNodes: [...] }`), or an existing node-redis client or cluster client, which it
 * then never closes. Every command goes through {@link Connection.send}, which routes by key on a
 * cluster and turns Redis errors into streamq errors at the edge.
 */
import { createClient, createCluster } from 'redis';
import type { RedisClientOptions, RedisClientType, RedisClusterOptions, RedisClusterType } from 'redis';
import { ConnectionError } from './errors.js';
import { toStreamqError } from './redis-errors.js';

/** A node-redis single-node client, as streamq accepts it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisClient = RedisClientType<any, any, any, any, any>;
/** A node-redis cluster client, as streamq accepts it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisCluster = RedisClusterType<any, any, any, any, any>;

/**
 * How to reach Redis: a URL (`redis://user:pass@host:6379/0`, `rediss://…` for TLS), node-redis
 * client options, node-redis cluster options (with `rootNodes`), or an existing node-redis
 * client / cluster client (streamq uses it and never closes it).
 * @default process.env.REDIS_URL, else 'redis://127.0.0.1:6379'
 */
export type RedisOption = string | RedisClientOptions | RedisClusterOptions | AnyRedisClient | AnyRedisCluster;

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
}

/** `redis://user:secret@host` → `redis://user:***@host`. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)([^@/]*)@/i, (_match, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return colon === -1 ? `${scheme}***@` : `${scheme}${auth.slice(0, colon)}:***@`;
  });
}

const isExistingClient = (value: object): value is AnyRedisClient | AnyRedisCluster =>
  typeof (value as { sendCommand?: unknown }).sendCommand === 'function';

const isClusterClient = (value: AnyRedisClient | AnyRedisCluster): value is AnyRedisCluster =>
  typeof (value as { getSlotRandomNode?: unknown }).getSlotRandomNode === 'function';

const isClusterOptions = (value: object): value is RedisClusterOptions => Array.isArray((value as { rootNodes?: unknown }).rootNodes);

/** A reconnect policy: exponential with jitter up to 2 s; gives up only before the first connection. */
function reconnectPolicy(timeoutMs: number, state: { everConnected: boolean; closing: boolean; startedAt: number }) {
  return (retries: number, cause: Error): number | false | Error => {
    if (state.closing) return false;
    if (!state.everConnected && Date.now() - state.startedAt >= timeoutMs) return cause;
    const base = Math.min(2_000, 50 * 2 ** Math.min(retries, 6));
    return Math.round(base / 2 + Math.random() * (base / 2));
  };
}

function endpointOf(option: RedisClientOptions | RedisClusterOptions | string): string {
  if (typeof option === 'string') return maskUrl(option);
  if (isClusterOptions(option)) {
    const first = option.rootNodes[0] as RedisClientOptions | undefined;
    return `cluster(${first ? endpointOf(first) : '?'})`;
  }
  if (option.url) return maskUrl(option.url);
  const socket = option.socket as { host?: string; port?: number; path?: string } | undefined;
  return socket?.path ?? `${socket?.host ?? '127.0.0.1'}:${socket?.port ?? 6379}`;
}

class NodeRedisConnection implements Connection {
  readonly isCluster: boolean;
  readonly endpoint: string;
  readonly #client: AnyRedisClient | AnyRedisCluster;
  readonly #owned: boolean;
  readonly #settings: ConnectSettings;
  readonly #state: { everConnected: boolean; closing: boolean; startedAt: number };

  constructor(client: AnyRedisClient | AnyRedisCluster, owned: boolean, endpoint: string, settings: ConnectSettings,
    state: { everConnected: boolean; closing: boolean; startedAt: number }) {
    this.#client = client;
    this.#owned = owned;
    this.endpoint = endpoint;
    this.#settings = settings;
    this.#state = state;
    this.isCluster = isClusterClient(client);
  }

  send<T>(key: string | undefined, args: readonly string[]): Promise<T> {
    const pending = this.isCluster
      ? (this.#client as AnyRedisCluster).sendCommand(key, false, args as string[])
      : (this.#client as AnyRedisClient).sendCommand(args as string[]);
    return (pending as Promise<T>).catch((error: unknown) => {
      throw toStreamqError(error, args[0] ?? '', this.endpoint);
    });
  }

  async duplicate(): Promise<Connection> {
    const state = { everConnected: false, closing: false, startedAt: Date.now() };
    const timeoutMs = this.#settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const copy = this.isCluster
      ? (this.#client as AnyRedisCluster).duplicate()
      : (this.#client as AnyRedisClient).duplicate({
          socket: { ...(this.#client as AnyRedisClient).options?.socket, reconnectStrategy: reconnectPolicy(timeoutMs, state) },
        } as Partial<RedisClientOptions>);
    return connectClient(copy as AnyRedisClient | AnyRedisCluster, true, this.endpoint, this.#settings, state);
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    this.#state.closing = true;
    try {
      await this.#client.close();
    } catch {
      this.#client.destroy();
    }
  }

  destroy(): void {
    this.#state.closing = true;
    if (this.#client.isOpen) this.#client.destroy();
  }
}

async function connectClient(
  client: AnyRedisClient | AnyRedisCluster,
  owned: boolean,
  endpoint: string,
  settings: ConnectSettings,
  state: { everConnected: boolean; closing: boolean; startedAt: number },
): Promise<Connection> {
  const connection = new NodeRedisConnection(client, owned, endpoint, settings, state);
  if (!owned) return connection;
  client.on('error', (error: Error) => settings.onError(toStreamqError(error, 'connect', endpoint)));
  client.on('ready', () => { state.everConnected = true; });
  const timeoutMs = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ConnectionError(`Cannot connect to Redis at ${endpoint}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
    // A PING proves the far end speaks Redis (a TCP accept alone does not).
    await Promise.race([connection.send(undefined, ['PING']), deadline]);
    state.everConnected = true;
    return connection;
  } catch (error) {
    state.closing = true;
    try { client.destroy(); } catch { /* already closed */ }
    throw toStreamqError(error, 'connect', endpoint);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves the `redis` option into a connected {@link Connection}. */
export async function connect(option: RedisOption | undefined, settings: ConnectSettings): Promise<Connection> {
  const resolved = option ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (typeof resolved === 'object' && isExistingClient(resolved)) {
    const state = { everConnected: true, closing: false, startedAt: Date.now() };
    if (!resolved.isOpen) throw new ConnectionError('The node-redis client given as `redis` is not connected: call `await client.connect()` first');
    return connectClient(resolved, false, isClusterClient(resolved) ? 'cluster' : 'client', settings, state);
  }
  const endpoint = endpointOf(resolved as string | RedisClientOptions | RedisClusterOptions);
  const state = { everConnected: false, closing: false, startedAt: Date.now() };
  const timeoutMs = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const reconnectStrategy = reconnectPolicy(timeoutMs, state);
  if (typeof resolved === 'object' && isClusterOptions(resolved)) {
    const cluster = createCluster({
      ...resolved,
      defaults: { ...resolved.defaults, RESP: 2, socket: { connectTimeout: timeoutMs, ...resolved.defaults?.socket, reconnectStrategy } },
    } as unknown as RedisClusterOptions);
    return connectClient(cluster as unknown as AnyRedisCluster, true, endpoint, settings, state);
  }
  const options: RedisClientOptions = typeof resolved === 'string' ? { url: resolved } : { ...(resolved as RedisClientOptions) };
  const client = createClient({
    ...options,
    RESP: 2,
    socket: { connectTimeout: timeoutMs, ...options.socket, reconnectStrategy } as RedisClientOptions['socket'],
  } as unknown as RedisClientOptions);
  return connectClient(client as unknown as AnyRedisClient, true, endpoint, settings, state);
}
