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

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Formats `host:port` as it appears in a Host header (IPv6 in brackets). */
const hostHeaderOf = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The Host header values the dashboard answers to: the bound address and the loopback names,
 * with the port. `undefined` when bound to a wildcard address (every Host is accepted then).
 * Checking Host defeats DNS rebinding: a hostile page whose name resolves to 127.0.0.1 sends
 * its own name as Host and is refused.
 */
export const allowedHosts = (host: string, port: number): Set<string> | undefined => {
  if (WILDCARDS.has(host)) return undefined;
  const names = new Set([host, '127.0.0.1', 'localhost', '::1']);
  return new Set([...names].map((name) => hostHeaderOf(name, port).toLowerCase()));
};

/** Whether a request's Host header is one the dashboard answers to. */
export const hostAllowed = (hostHeader: string | undefined, allowed: Set<string> | undefined): boolean =>
  allowed === undefined || (hostHeader !== undefined && allowed.has(hostHeader.toLowerCase()));

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
 * `Origin` on every POST: it must be `http://<Host>`. Without `Origin`, `Sec-Fetch-Site` (when
 * sent) must be `same-origin` or `none`. A request with neither is not from a browser page
 * (curl, scripts) and cannot be a cross-site forgery; the bearer token still applies.
 */
export const isSameOrigin = (h: OriginHeaders): boolean => {
  if (h.origin !== undefined) {
    if (h.host === undefined) return false;
    return h.origin.toLowerCase() === `http://${h.host.toLowerCase()}`;
  }
  if (h.secFetchSite !== undefined) return h.secFetchSite === 'same-origin' || h.secFetchSite === 'none';
  return true;
};
