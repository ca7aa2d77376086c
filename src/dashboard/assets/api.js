/* global fetch, sessionStorage */
// Calls to the dashboard's JSON API (same origin). The token lives in sessionStorage only.

const TOKEN_KEY = 'streamq.dashboard.token';

/** The token entered in this tab, or null. */
export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
/** Keeps the token for this tab (sessionStorage: gone when the tab closes; never in the URL). */
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
/** Forgets the token. */
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** An API error with its HTTP status, its code (`REDIS_UNAVAILABLE`, `token_required`…) and, for an outage, since when. */
export class ApiError extends Error {
  constructor(message, status, code, since) {
    super(message);
    this.status = status;
    this.code = code;
    this.since = since;
  }
}

/** `/api/streams/<stream>/<rest…>`, every part percent-encoded. */
export const streamPath = (stream, ...rest) => `/api/streams/${[stream, ...rest].map((part) => encodeURIComponent(part)).join('/')}`;

/** A path with a query string built from the defined values of `params`. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function parse(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(body?.error?.message ?? `${response.status} ${response.statusText}`, response.status, body?.error?.code, body?.error?.since);
  return body;
}

/** The Authorization header for the token of this tab, if any. */
const auth = () => {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

/** GETs JSON (with the token, if any: a dashboard started with a token requires it for reads too). */
export async function getJson(path) {
  return parse(await fetch(path, { headers: { Accept: 'application/json', ...auth() }, cache: 'no-store', credentials: 'same-origin' }));
}

/** POSTs JSON with the token (if any) as a bearer token. */
export async function postJson(path, body) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...auth() };
  return parse(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin' }));
}
