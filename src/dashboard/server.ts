import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { defaultRegistry, InvalidOptionError, StreamqError, type Admin } from '../index.js';
// Option checks only (the same messages as the library's constructors); data goes through the public API.
import { expectInteger, expectOptions, optionKeys } from '../validate.js';
import { isUnavailable, RedisAvailability } from './availability.js';
import { scrapeHealth, streamGauges } from './metrics.js';
import { BadRequest } from './params.js';
import { isStreamError, NotFound, routeApi, statsOf, type RouteResult } from './routes.js';
import { accessOf, allowedHosts, hostAllowed, isLoopbackHost, isSameOrigin, SECURITY_HEADERS, type HostPolicy, type Tokens } from './security.js';
import { loadAssets, type Asset } from './static.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /**
   * The Admin the dashboard reads from (and replays/purges with). Not closed by the dashboard.
   * Its `commandTimeoutMs` (default 2000) bounds how long a request waits for Redis: past it the
   * API answers 503 `REDIS_UNAVAILABLE`.
   */
  admin: Admin;
  /** Port to listen on; 0 picks a free one. @default 7420 */
  port?: number;
  /**
   * Address to bind. Anything but loopback (127.0.0.1, ::1, localhost) needs `token` or
   * `readToken`: the dashboard refuses to start otherwise. @default '127.0.0.1'
   */
  host?: string;
  /**
   * Protects everything: every API read and `/metrics` then needs `Authorization: Bearer <token>`
   * (or the `readToken`), and replay and purge are enabled for requests with it. Without any
   * token the dashboard is read-only and open to whoever reaches the loopback address.
   * @default undefined (read-only, reads open on loopback)
   */
  token?: string;
  /** Grants reads only (API and `/metrics`), e.g. for a Prometheus scraper. @default undefined */
  readToken?: string;
  /**
   * Extra Host header values to answer to (DNS-rebinding defence), for the names the dashboard
   * is reached by when it binds beyond loopback: `name` (any port, e.g. behind a proxy) or
   * `name:port`. Loopback names with the port, and the bound address, are always accepted.
   * @default []
   */
  allowedHosts?: string[];
}

/** The option names of {@link startDashboard}: a new option is one line here (the compiler checks the list). */
const DASHBOARD_OPTION_KEYS = optionKeys<DashboardOptions>({ admin: true, port: true, host: true, token: true, readToken: true, allowedHosts: true });

/** Checks the options of {@link startDashboard} before anything listens. */
function validateDashboardOptions(input: DashboardOptions): DashboardOptions {
  const options = expectOptions('', input, DASHBOARD_OPTION_KEYS);
  // Duck-typed: an Admin from another copy of the package is fine.
  const admin = options.admin as Partial<Admin> | null | undefined;
  if (typeof admin?.stats !== 'function' || typeof admin.listStreams !== 'function') {
    throw new InvalidOptionError('Expected `admin` to be an Admin (new Admin({ redis }))');
  }
  if (options.port !== undefined) expectInteger('port', options.port, 0, 65_535);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
    throw new InvalidOptionError('Expected `host` to be a non-empty string (an address to bind, e.g. 127.0.0.1)');
  }
  for (const name of ['token', 'readToken'] as const) {
    if (options[name] !== undefined && (typeof options[name] !== 'string' || options[name] === '')) {
      throw new InvalidOptionError(`Expected \`${name}\` to be a non-empty string`);
    }
  }
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || options.allowedHosts.some((h) => typeof h !== 'string' || h === ''))) {
    throw new InvalidOptionError('Expected `allowedHosts` to be an array of host names (`name` or `name:port`)');
  }
  return options;
}

/** A running dashboard. */
export interface Dashboard {
  /** `http://host:port` of the page. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** A refusal with an HTTP status and a JSON error code. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What every request is handled with. */
interface Context {
  admin: Admin;
  tokens: Tokens;
  assets: Map<string, Asset>;
  hosts: HostPolicy;
  availability: RedisAvailability;
  /** Per-stream read failures since start (for `/metrics`). */
  streamErrors: number;
}

const send = (res: ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
};

const sendJson = (res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v)), extra);

/** Reads a JSON body of at most {@link MAX_BODY} bytes sent as `application/json`. */
const readJsonBody = async (req: IncomingMessage): Promise<unknown> => {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'too_large', `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
};

/** Refuses a read (API, `/metrics`) unless no token is configured or the request bears one. */
const authorizeRead = (req: IncomingMessage, tokens: Tokens): void => {
  if (accessOf(req.headers.authorization, tokens) === 'none') throw new HttpError(401, 'token_required', 'a token is required (Authorization: Bearer …)');
};

/** Refuses a state-changing request unless writes are enabled, it is same-origin and bears the token. */
const authorizeWrite = (req: IncomingMessage, tokens: Tokens): void => {
  if (tokens.token === undefined) throw new HttpError(403, 'read_only', 'the dashboard is read-only: start it with a token to replay or purge');
  const origin = { origin: req.headers.origin, host: req.headers.host, secFetchSite: req.headers['sec-fetch-site'] as string | undefined };
  if (!isSameOrigin(origin)) throw new HttpError(403, 'cross_origin', 'cross-origin requests may not change anything');
  if (accessOf(req.headers.authorization, tokens) !== 'write') throw new HttpError(403, 'bad_token', 'a valid token is required (Authorization: Bearer …)');
};

/** Maps an error to a status and JSON error (never a stack, never a credential). */
const errorStatus = (error: unknown): { status: number; code: string; message: string } => {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof BadRequest) return { status: 400, code: error.code, message: error.message };
  if (error instanceof NotFound) return { status: 404, code: 'not_found', message: error.message };
  if (isUnavailable(error)) return { status: 503, code: 'REDIS_UNAVAILABLE', message: (error as Error).message };
  if (error instanceof StreamqError) {
    const redisCode = (error as { redisCode?: string }).redisCode;
    if (redisCode === 'NOGROUP') return { status: 404, code: 'not_found', message: error.message };
    if (error.code === 'ERR_STREAMQ_WRONG_TYPE') return { status: 409, code: 'wrong_type', message: error.message };
    if (error.code === 'ERR_STREAMQ_OPTIONS') return { status: 400, code: 'bad_request', message: error.message };
    return { status: 500, code: error.code, message: error.message };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
};

/** Runs a request's Redis work, keeping track of whether Redis answers. */
const withRedis = async <T>(ctx: Context, work: () => Promise<T>): Promise<T> => {
  try {
    const result = await work();
    ctx.availability.answered();
    return result;
  } catch (error) {
    if (isUnavailable(error)) ctx.availability.failed();
    else if (error instanceof StreamqError && (error.code === 'ERR_STREAMQ_REDIS' || error.code === 'ERR_STREAMQ_WRONG_TYPE')) ctx.availability.answered(); // Redis answered, with an error
    throw error;
  }
};

/** The Prometheus text of `/metrics`: the process's registry, per-stream gauges of every readable stream, and the dashboard's own health. */
const metricsText = async (ctx: Context): Promise<string> => {
  const rows = await statsOf(ctx.admin, [...(await ctx.admin.listStreams())].sort());
  const failed = rows.filter(isStreamError).length;
  ctx.streamErrors += failed;
  const own = defaultRegistry.prometheus();
  const gauges = streamGauges(rows.filter((row) => !isStreamError(row)) as Parameters<typeof streamGauges>[0]);
  return `${own}${own === '' || own.endsWith('\n') ? '' : '\n'}${gauges}${scrapeHealth(failed, ctx.streamErrors)}`;
};

/** Handles one request (host check, static files, info, metrics, API). */
const handle = async (req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> => {
  if (!hostAllowed(req.headers.host, ctx.hosts)) return sendJson(res, 403, { error: { code: 'bad_host', message: 'unexpected Host header' } });
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${method} is not allowed` } }, { Allow: 'GET, HEAD, POST' });
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  const asset = method !== 'POST' ? ctx.assets.get(url.pathname) : undefined;
  if (asset) return send(res, 200, asset.contentType, method === 'HEAD' ? '' : asset.body, { 'Cache-Control': 'no-cache' });
  if (url.pathname === '/api/info' && method !== 'POST') {
    return sendJson(res, 200, { readOnly: ctx.tokens.token === undefined, authRequired: ctx.tokens.token !== undefined || ctx.tokens.readToken !== undefined });
  }
  if (method === 'POST') authorizeWrite(req, ctx.tokens);
  else authorizeRead(req, ctx.tokens);
  if (url.pathname === '/metrics' && method !== 'POST') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await withRedis(ctx, () => metricsText(ctx)));
  const segments = url.pathname.split('/').slice(1);
  const request = { method: method === 'HEAD' ? 'GET' : method, segments, query: url.searchParams, body: () => readJsonBody(req) };
  const result: RouteResult = await withRedis(ctx, () => routeApi(ctx.admin, request));
  if ('json' in result) return sendJson(res, result.status, result.json);
  return send(res, result.status, result.contentType, result.text);
};

/** Answers a failed request with its JSON error (a 503 also says since when Redis is unavailable). */
const answerError = (req: IncomingMessage, res: ServerResponse, ctx: Context, error: unknown): void => {
  const { status, code, message } = errorStatus(error);
  if (status >= 500 && status !== 503) console.error(`streamq dashboard: ${req.method} ${req.url?.split('?')[0]}: ${error instanceof Error ? error.message : String(error)}`);
  if (res.headersSent) return void res.destroy();
  const since = status === 503 ? { since: ctx.availability.since ?? new Date() } : {};
  sendJson(res, status, { error: { code, message, ...since } }, status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
};

/** Resolves when the server listens, rejects on a listen error (port in use…). */
const listen = (server: Server, port: number, host: string): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

/** The addresses of this machine's interfaces (Host values a wildcard bind answers to). */
const interfaceAddresses = (): string[] => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));

/**
 * Starts the dashboard: the page (`/`), its JSON API (`/api/...`) and `/metrics`, on node:http.
 * Binds 127.0.0.1:7420 by default and refuses to bind beyond loopback without a token. Without
 * a token it is read-only; with `token`, every read and `/metrics` need it (or `readToken`),
 * and every POST must be same-origin and carry `Authorization: Bearer <token>`. Tokens are
 * never logged. While Redis does not answer, API calls and `/metrics` answer 503 within the
 * Admin's `commandTimeoutMs`.
 * @throws InvalidOptionError when `host` is not loopback and neither token is given.
 */
export const startDashboard = async (input: DashboardOptions): Promise<Dashboard> => {
  const options = validateDashboardOptions(input);
  const host = options.host ?? '127.0.0.1';
  const tokens: Tokens = { token: options.token || undefined, readToken: options.readToken || undefined };
  if (!isLoopbackHost(host) && tokens.token === undefined && tokens.readToken === undefined) {
    throw new InvalidOptionError(`Refusing to listen on ${host} without a token: anyone who can reach it could read your messages. Give a token (or a read token), or bind 127.0.0.1`);
  }
  const assets = await loadAssets();
  const server = createServer();
  const ctx: Context = { admin: options.admin, tokens, assets, hosts: allowedHosts(host, 0), availability: new RedisAvailability(), streamErrors: 0 };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, ctx).catch((error: unknown) => answerError(req, res, ctx, error));
  });
  const address = await listen(server, options.port ?? 7420, host);
  ctx.hosts = allowedHosts(host, address.port, options.allowedHosts ?? [], interfaceAddresses());
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
