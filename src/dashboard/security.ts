import { createHash, timingSafeEqual } from 'node:crypto';

/** The security headers sent with every dashboard response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Compares digests in constant time,
 * so the comparison leaks neither the token nor its length.
 */
export const bearerMatches = (header: string | undefined, token: string): boolean => {
  if (header === undefined) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || match[1] === undefined) return false;
  return timingSafeEqual(digest(match[1]), digest(token));
};

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** Whether `host` is a wildcard bind address (`0.0.0.0`, `::`): every interface. */
export const isWildcardHost = (host: string): boolean => WILDCARDS.has(host);

/** Whether binding `host` listens on loopback only (127.0.0.0/8, ::1, localhost). */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
};

/** Formats `host:port` as it appears in a Host header (IPv6 in brackets). */
const hostHeaderOf = (host: string, port: number): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`);

/** The Host header values a dashboard answers to. */
export interface HostPolicy {
  /** Exact `name:port` values (lower case). */
  readonly exact: ReadonlySet<string>;
  /** Names accepted without a port too (an `--allowed-host` behind a proxy on port 80/443). */
  readonly bare: ReadonlySet<string>;
  /** Whether a `bare` name is accepted with any port too (a mounted handler does not know its port). @default false */
  readonly anyPort?: boolean;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/**
 * The Host header values the dashboard answers to, which defeats DNS rebinding: a hostile page
 * whose name resolves to this machine sends its own name as Host and is refused.
 * - Always: `localhost`, `127.0.0.1` and `[::1]` with the port.
 * - A bind to a specific address adds that address with the port.
 * - A wildcard bind (`0.0.0.0`, `::`) adds the addresses of this machine's interfaces with the
 *   port (`interfaceAddresses`): an IP literal in Host cannot come from a rebound name.
 * - Each of `allowed` (`--allowed-host`): `name` accepts `name` and `name:<port>`; `name:port`
 *   accepts exactly that.
 */
export const allowedHosts = (host: string, port: number, allowed: readonly string[] = [], interfaceAddresses: readonly string[] = []): HostPolicy => {
  const names = new Set(LOOPBACK_NAMES);
  if (isWildcardHost(host)) for (const address of interfaceAddresses) names.add(address);
  else names.add(host);
  const exact = new Set([...names].map((name) => hostHeaderOf(name, port).toLowerCase()));
  const bare = new Set<string>();
  for (const entry of allowed.map((a) => a.trim().toLowerCase()).filter((a) => a !== '')) {
    if (/:\d+$/.test(entry) && (!entry.includes('::') || entry.startsWith('['))) exact.add(entry);
    else {
      bare.add(entry);
      exact.add(hostHeaderOf(entry, port).toLowerCase());
    }
  }
  return { exact, bare };
};

/** Whether a request's Host header is one the dashboard answers to. */
export const hostAllowed = (hostHeader: string | undefined, policy: HostPolicy): boolean => {
  if (hostHeader === undefined) return false;
  const host = hostHeader.toLowerCase();
  if (policy.exact.has(host) || policy.bare.has(host)) return true;
  return policy.anyPort === true && policy.bare.has(host.replace(/:\d{1,5}$/, ''));
};

/** The tokens of a dashboard: `token` allows everything, `readToken` reads only. */
export interface Tokens {
  /** Reads and writes (replay, purge). */
  token?: string | undefined;
  /** Reads only. */
  readToken?: string | undefined;
}

/** What a request's `Authorization` header grants. */
export type Access = 'none' | 'read' | 'write';

/**
 * What the bearer token of a request grants: `write` for the token, `read` for the read token,
 * `none` otherwise. Without any token configured, reads are open (`read`) on a loopback bind.
 */
export const accessOf = (authorization: string | undefined, tokens: Tokens): Access => {
  if (tokens.token !== undefined && bearerMatches(authorization, tokens.token)) return 'write';
  if (tokens.readToken !== undefined && bearerMatches(authorization, tokens.readToken)) return 'read';
  return tokens.token === undefined && tokens.readToken === undefined ? 'read' : 'none';
};

/** The headers {@link isSameOrigin} looks at. */
export interface OriginHeaders {
  /** `Origin`. */
  origin?: string | undefined;
  /** `Host`. */
  host?: string | undefined;
  /** `Sec-Fetch-Site`. */
  secFetchSite?: string | undefined;
}

/**
 * Whether a state-changing request comes from the dashboard's own origin. Browsers send
 * `Origin` on every POST: it must be `<scheme>://<Host>` for one of `schemes` (`http` for the
 * standalone server; a mounted handler may sit behind TLS). Without `Origin`, `Sec-Fetch-Site` (when
 * sent) must be `same-origin` or `none`. A request with neither is not from a browser page
 * (curl, scripts) and cannot be a cross-site forgery; the bearer token still applies.
 */
export const isSameOrigin = (h: OriginHeaders, schemes: readonly string[] = ['http']): boolean => {
  if (h.origin !== undefined) {
    if (h.host === undefined) return false;
    const host = h.host.toLowerCase();
    return schemes.some((scheme) => h.origin?.toLowerCase() === `${scheme}://${host}`);
  }
  if (h.secFetchSite !== undefined) return h.secFetchSite === 'same-origin' || h.secFetchSite === 'none';
  return true;
};
