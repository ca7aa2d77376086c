import { maskUrl as maskAnyUrl } from '../index.js';

/** The URL used when neither `--url` nor `REDIS_URL` is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Where the Redis URL came from. */
export type UrlSource = 'flag' | 'env' | 'default';

/** A Redis URL and where it came from. */
export interface ResolvedUrl {
  /** The URL to connect to (may hold a password: never print it, print {@link maskUrl} of it). */
  url: string;
  /** `flag` for `--url`, `env` for `REDIS_URL`, `default` otherwise. */
  source: UrlSource;
}

/**
 * Picks the Redis URL: `--url`, else `REDIS_URL`, else {@link DEFAULT_REDIS_URL}.
 * @param flag - the `--url` option, if given.
 * @param env - the environment to read `REDIS_URL` from.
 */
export const resolveUrl = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedUrl => {
  if (flag !== undefined && flag !== '') return { url: flag, source: 'flag' };
  const fromEnv = env.REDIS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, source: 'env' };
  return { url: DEFAULT_REDIS_URL, source: 'default' };
};

/**
 * The URL with its password (and the user of a user-only URL, which some clients read as a
 * password) replaced by `***`, safe to print. An unparsable URL prints as `<invalid URL>`.
 */
export const maskUrl = (url: string): string => {
  if (isMultiHost(url)) return maskAnyUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  else if (parsed.username !== '') parsed.username = '***';
  return parsed.toString().replace(/\/$/, '');
};

/** The secret part of a URL (its password, else a lone user), raw and decoded, to scrub from messages. */
const secretsOf = (url: string): string[] => {
  if (isMultiHost(url)) {
    const secret = /^[a-z+]+:\/\/(?:[^:@/]*:)?([^@/]+)@/i.exec(url)?.[1];
    return secret !== undefined && secret.length >= 3 ? [secret] : [];
  }
  try {
    const parsed = new URL(url);
    const raw = [parsed.password !== '' ? parsed.password : parsed.username].filter((s) => s.length >= 3);
    return [...new Set([...raw, ...raw.map((s) => decodeURIComponent(s))])];
  } catch {
    return [];
  }
};

/** Replaces any credential of `url` found in `text` with `***` (for error messages). */
export const redact = (text: string, url: string | undefined): string => {
  if (url === undefined) return text;
  let result = text.split(url).join(maskUrl(url));
  for (const secret of secretsOf(url)) result = result.split(secret).join('***');
  return result;
};

/** Whether `url` is a multi-host form (`redis+cluster://h:p,h:p`, `redis+sentinel://…`), which `new URL` cannot parse. */
const isMultiHost = (url: string): boolean => /^rediss?\+(cluster|sentinel):\/\//i.test(url);

/**
 * Host and port of a `redis://` or `rediss://` URL (port 6379 when absent); for the multi-host
 * forms (`redis+cluster://…`, `redis+sentinel://…`), of the first host listed.
 */
export const hostPort = (url: string): { host: string; port: number } => {
  if (isMultiHost(url)) {
    const first = url.replace(/^[a-z+]+:\/\/([^@/]*@)?/i, '').split(/[,/]/)[0] ?? '';
    return hostPort(`redis://${first}`);
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`unsupported URL scheme "${parsed.protocol}" (use redis:// or rediss://)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host, port: parsed.port === '' ? 6379 : Number(parsed.port) };
};
