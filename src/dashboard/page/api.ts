// Calls to the dashboard's JSON API. URLs are relative ("api/…"), so the page works under any base
// path it is mounted at. The token lives in sessionStorage only (gone with the tab, never in a URL).

const TOKEN_KEY = `streamq.dashboard.token:${location.pathname}`;

/** The token entered in this tab, or null. */
export const getToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
/** Keeps the token for this tab. */
export const setToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
/** Forgets the token. */
export const clearToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

/** An API error with its HTTP status, code (`REDIS_UNAVAILABLE`, `token_required`…) and, for an outage, since when. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly since: string | undefined,
  ) {
    super(message);
  }
}

/** Listeners told whether Redis answered (an API call that succeeded) or not (503). */
type OutageListener = (since: string | null) => void;
const outageListeners = new Set<OutageListener>();
/** Calls `listener` after every API call with `null` (Redis answered) or the outage's start. */
export const onOutage = (listener: OutageListener): (() => void) => {
  outageListeners.add(listener);
  return () => outageListeners.delete(listener);
};
const tellOutage = (since: string | null): void => outageListeners.forEach((l) => l(since));

/** `api/streams/<stream>/<rest…>`, every part percent-encoded. */
export const streamPath = (stream: string, ...rest: string[]): string => `api/streams/${[stream, ...rest].map((part) => encodeURIComponent(part)).join('/')}`;

/** A path with a query string built from the defined, non-empty values of `params`. */
export function withQuery(path: string, params: Record<string, string | number | boolean | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

interface ErrorBody { error?: { message?: string; code?: string; since?: string } }

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => null)) as (T & ErrorBody) | null;
  if (!response.ok) {
    const error = new ApiError(body?.error?.message ?? `${response.status} ${response.statusText}`, response.status, body?.error?.code, body?.error?.since);
    if (error.code === 'REDIS_UNAVAILABLE') tellOutage(error.since ?? new Date().toISOString());
    throw error;
  }
  // The overview answers from the sampler's memory during an outage, saying so.
  const redis = (body as { redis?: { available?: boolean; since?: number | null } } | null)?.redis;
  tellOutage(redis?.available === false ? new Date(redis.since ?? Date.now()).toISOString() : null);
  return body as T;
}

const auth = (): Record<string, string> => {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

/** GETs JSON (with the token, if any). */
export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: { Accept: 'application/json', ...auth() }, cache: 'no-store', credentials: 'same-origin' }));
}

/** POSTs JSON with the token as a bearer token. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...auth() };
  return parse<T>(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin' }));
}
