/**
 * Redis URLs and the `redis` option, checked before any connection is made: masking passwords for
 * messages, the multi-host forms (`redis+cluster://`, `redis+sentinel://`) and the validation a
 * constructor runs so that `redis: 42`, a malformed URL or an unknown scheme fails at once, not at
 * the first send.
 */
import { RedisClient } from 'redis';
import type { RedisClusterOptions, RedisSentinelOptions } from 'redis';
import { InvalidOptionError } from './errors.js';
import { closestName, describeValue } from './validate.js';

/** node-redis sentinel options (`{ name, sentinelRootNodes }`), as streamq accepts them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisSentinelOptions = RedisSentinelOptions<any, any, any, any, any>;

/** The URL schemes streamq accepts (node-redis's own, and the multi-host forms it builds options from). */
export const REDIS_URL_SCHEMES = ['redis', 'rediss', 'redis+cluster', 'rediss+cluster', 'redis+sentinel', 'rediss+sentinel', 'unix'] as const;

/**
 * `redis://user:secret@host` → `redis://user:***@host`: the URL exactly as typed, but for the
 * password (also `redis+cluster://…`, `unix://…`, and `user:secret@host` without a scheme).
 * A URL without credentials is returned unchanged.
 */
export function maskUrl(url: string): string {
  // Up to the LAST '@': a password may hold '/', '#', '?' or '@' (unencoded), and must never show.
  return url.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)(.*)@/is, (_match, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return colon === -1 ? `${scheme}***@` : `${scheme}${auth.slice(0, colon)}:***@`;
  });
}

/** `h1:p1,h2:p2` → hosts and ports (IPv6 in brackets: `[::1]:7000`). */
function parseHostList(list: string, url: string): { host: string; port: number }[] {
  return list.split(',').filter((part) => part.length > 0).map((part) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(part);
    const port = match?.[2] === undefined ? 6379 : Number(match[2]);
    if (!match || port > 65_535) throw new InvalidOptionError(`Cannot parse host "${part}" in Redis URL ${maskUrl(url)}`);
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
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

/** A URL for a message: masked, quoted, cut at 200 characters. */
const showUrl = (url: string): string => {
  const masked = maskUrl(url);
  return JSON.stringify(masked.length > 200 ? `${masked.slice(0, 200)}…` : masked);
};

const SCHEME_LIST = REDIS_URL_SCHEMES.map((scheme) => `${scheme}://`).join(', ');

/**
 * Checks a Redis URL the way node-redis (or, for the multi-host forms, {@link parseRedisUrl})
 * will read it, so that a bad one is refused before anything connects. Messages show the URL
 * masked, never node's own error (whose `input` holds the password).
 */
export function checkRedisUrl(name: string, url: string): void {
  const scheme = /^([^:/?#@]*):\/\//.exec(url)?.[1];
  if (scheme === undefined) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a URL such as redis://127.0.0.1:6379 (one of ${SCHEME_LIST}), got ${showUrl(url)}`);
  }
  const lower = scheme.toLowerCase() as (typeof REDIS_URL_SCHEMES)[number];
  if (!REDIS_URL_SCHEMES.includes(lower)) {
    const close = closestName(lower, REDIS_URL_SCHEMES);
    const hint = close === undefined ? '' : `: did you mean ${close}://?`;
    throw new InvalidOptionError(`Expected \`${name}\` to be a URL with one of the schemes ${SCHEME_LIST}, got ${showUrl(url)}${hint}`);
  }
  if (lower.includes('+')) {
    parseRedisUrl(url);
    return;
  }
  try {
    RedisClient.parseURL(url);
  } catch (error) {
    const reason = (error as Error).message;
    const why = /:\/\/|@/.test(reason) ? '' : ` (${reason})`;
    const shape = lower === 'unix' ? 'unix://[[user]:password@]/path/to/socket[?db=N]' : `${lower}://[[user]:password@]host[:port][/db]`;
    throw new InvalidOptionError(`Invalid Redis URL in \`${name}\`: ${showUrl(url)}${why}; expected ${shape}`);
  }
}

/** Whether a value is an existing node-redis client (single node, cluster or sentinel). */
export const isExistingClient = (value: object): boolean => typeof (value as { sendCommand?: unknown }).sendCommand === 'function';

/**
 * Checks the `redis` option without connecting: a URL that node-redis (or streamq's multi-host
 * forms) can read, an options object (whose `url` and root nodes' URLs are checked), or an
 * existing client. `undefined` checks `REDIS_URL` when set (the default it falls back to).
 */
export function validateRedisOption(value: unknown, name = 'redis'): void {
  if (value === undefined) {
    const fromEnv = process.env.REDIS_URL;
    if (fromEnv !== undefined && fromEnv !== '') checkRedisUrl('REDIS_URL', fromEnv);
    return;
  }
  if (typeof value === 'string') {
    checkRedisUrl(name, value);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a URL, node-redis client options or a node-redis client, got ${describeValue(value)}`);
  }
  if (isExistingClient(value)) return;
  const { url, rootNodes } = value as { url?: unknown; rootNodes?: unknown };
  if (url !== undefined) {
    if (typeof url !== 'string') throw new InvalidOptionError(`Expected \`${name}.url\` to be a string, got ${describeValue(url)}`);
    checkRedisUrl(`${name}.url`, url);
  }
  if (rootNodes !== undefined) {
    if (!Array.isArray(rootNodes)) throw new InvalidOptionError(`Expected \`${name}.rootNodes\` to be an array, got ${describeValue(rootNodes)}`);
    rootNodes.forEach((node: unknown, i) => {
      const nodeUrl = (node as { url?: unknown } | null)?.url;
      if (typeof nodeUrl === 'string') checkRedisUrl(`${name}.rootNodes[${i}].url`, nodeUrl);
    });
  }
}
