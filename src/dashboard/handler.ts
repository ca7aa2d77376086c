/**
 * The dashboard as a Node request listener: `createDashboardHandler` for mounting in an
 * application (Express, Fastify, Koa, Hono on node), and the core of `startDashboard`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Admin, defaultRegistry, InvalidOptionError, StreamqError, type RedisOption } from '../index.js';
// Option checks only (the same messages as the library's constructors); data goes through the public API.
import { expectInteger, expectOptions, optionKeys } from '../validate.js';
import { isUnavailable, RedisAvailability } from './availability.js';
import { HttpError, readJsonBody, send, sendJson } from './http.js';
import { scrapeHealth, streamGauges } from './metrics.js';
import { BadRequest } from './params.js';
import { Publisher } from './publisher.js';
import { isStreamError, NotFound, routeApi, statsOf, type RouteContext, type RouteResult } from './routes.js';
import { Sampler } from './sampler.js';
import { accessOf, hostAllowed, isSameOrigin, type HostPolicy, type Tokens } from './security.js';
import { loadAssets, type Asset } from './static.js';

/** Options of {@link createDashboardHandler} (and, with `port` and `host`, of `startDashboard`). */
export interface DashboardHandlerOptions {
  /**
   * The Admin the dashboard reads from and acts with; not closed by the dashboard. Its
   * `commandTimeoutMs` (default 2000) bounds how long a request waits for Redis: past it the
   * API answers 503 `REDIS_UNAVAILABLE`. Give `admin`, `redis`, or both.
   * @default an Admin created from `redis` (closed with the dashboard)
   */
  admin?: Admin;
  /**
   * How to reach Redis (URL, client options or a node-redis client), for an Admin the dashboard
   * creates when `admin` is not given, and for publishing test messages (without it, publish is
   * unavailable). @default undefined
   */
  redis?: RedisOption;
  /**
   * Protects everything: every API read and `/metrics` then need `Authorization: Bearer <token>`
   * (or the `readToken`), and every action (replay, purge, claim, publish…) is enabled for
   * same-origin requests with it. Without any token the dashboard is read-only.
   * @default undefined (read-only)
   */
  token?: string;
  /** Grants reads only (API and `/metrics`), e.g. for a Prometheus scraper. @default undefined */
  readToken?: string;
  /**
   * The path the dashboard is mounted under, e.g. `/queues` (the page is then `/queues/`).
   * Requests are matched on `req.originalUrl` (Express) or `req.url`. @default '' (the root)
   */
  basePath?: string;
  /**
   * Host header names the handler answers to (DNS-rebinding defence): `name` (any port) or
   * `name:port`. Without a token, only loopback names (and these) are answered; with a token the
   * Host is checked only when this is given. @default undefined
   */
  allowedHosts?: string[];
  /** How often every stream is sampled for the overview and the charts, in ms (≥ 250). @default 2000 */
  sampleIntervalMs?: number;
  /** How much history the charts keep, in ms (≥ one interval, ≤ 24 h). @default 3600000 */
  historyMs?: number;
  /** At most this many streams keep a history (about 7 KB per series-hour each). @default 1000 */
  maxHistoryStreams?: number;
}

/** A request listener with a `close()` that stops sampling and releases what the dashboard created. */
export interface DashboardHandler {
  /** Handles a request; `next` (Express, Connect) is called for paths outside `basePath`, else they get 404. */
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Stops the sampler; closes the Admin and producers the dashboard created (not a given `admin`). */
  close(): Promise<void>;
}

/** The option names (the compiler checks the list against the interface). */
export const HANDLER_OPTION_KEYS = optionKeys<DashboardHandlerOptions>({
  admin: true, redis: true, token: true, readToken: true, basePath: true, allowedHosts: true, sampleIntervalMs: true, historyMs: true, maxHistoryStreams: true,
});

/** Checks the handler options (shared with `startDashboard`). */
export function validateHandlerOptions(options: DashboardHandlerOptions): void {
  const admin = options.admin as Partial<Admin> | null | undefined;
  if (admin !== undefined && (typeof admin?.stats !== 'function' || typeof admin.listStreams !== 'function' || typeof admin.snapshot !== 'function')) {
    throw new InvalidOptionError('Expected `admin` to be an Admin (new Admin({ redis }))');
  }
  if (admin === undefined && options.redis === undefined) throw new InvalidOptionError('Expected `admin` or `redis` to say which Redis to show');
  for (const name of ['token', 'readToken'] as const) {
    if (options[name] !== undefined && (typeof options[name] !== 'string' || options[name] === '')) throw new InvalidOptionError(`Expected \`${name}\` to be a non-empty string`);
  }
  if (options.basePath !== undefined && (typeof options.basePath !== 'string' || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*\/?$/.test(options.basePath))) {
    throw new InvalidOptionError(`Expected \`basePath\` to be a URL path such as '/queues', got ${JSON.stringify(options.basePath)}`);
  }
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || options.allowedHosts.some((h) => typeof h !== 'string' || h === ''))) {
    throw new InvalidOptionError('Expected `allowedHosts` to be an array of host names (`name` or `name:port`)');
  }
  if (options.sampleIntervalMs !== undefined) expectInteger('sampleIntervalMs', options.sampleIntervalMs, 250, 3_600_000);
  if (options.historyMs !== undefined) expectInteger('historyMs', options.historyMs, options.sampleIntervalMs ?? 2000, 24 * 3_600_000);
  if (options.maxHistoryStreams !== undefined) expectInteger('maxHistoryStreams', options.maxHistoryStreams, 0, 1_000_000);
}

/** How the handler checks Host and Origin (the standalone server knows its port and scheme). */
export interface HostRules {
  /** The Host names answered to, or `null` for any. */
  hosts: () => HostPolicy | null;
  /** Origin schemes a same-origin POST may have. */
  schemes: readonly string[];
}

/** What every request is handled with. */
interface Context extends RouteContext {
  tokens: Tokens;
  assets: Promise<Map<string, Asset>>;
  rules: HostRules;
  basePath: string;
  availability: RedisAvailability;
  /** Per-stream read failures since start (for `/metrics`). */
  streamErrors: number;
}

/** Refuses a read (API, `/metrics`) unless no token is configured or the request bears one. */
const authorizeRead = (req: IncomingMessage, tokens: Tokens): void => {
  if (accessOf(req.headers.authorization, tokens) === 'none') throw new HttpError(401, 'token_required', 'a token is required (Authorization: Bearer …)');
};

/** Refuses a state-changing request unless writes are enabled, it is same-origin and bears the token. */
const authorizeWrite = (req: IncomingMessage, ctx: Context): void => {
  if (ctx.tokens.token === undefined) throw new HttpError(403, 'read_only', 'the dashboard is read-only: start it with a token to change anything');
  const origin = { origin: req.headers.origin, host: req.headers.host, secFetchSite: req.headers['sec-fetch-site'] as string | undefined };
  if (!isSameOrigin(origin, ctx.rules.schemes)) throw new HttpError(403, 'cross_origin', 'cross-origin requests may not change anything');
  if (accessOf(req.headers.authorization, ctx.tokens) !== 'write') throw new HttpError(403, 'bad_token', 'a valid token is required (Authorization: Bearer …)');
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
    if (error.code === 'ERR_STREAMQ_OPTIONS' || error.code === 'ERR_STREAMQ_ENCODE' || error.code === 'ERR_STREAMQ_PAYLOAD_TOO_LARGE') return { status: 400, code: 'bad_request', message: error.message };
    if (error.code === 'ERR_STREAMQ_REDIS') return { status: 409, code: redisCode ?? 'redis_error', message: error.message };
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

/** The path of a request inside the dashboard (`/…`), `redirect` for the bare base path, or `null` outside it. */
const localPath = (req: IncomingMessage, basePath: string): string | 'redirect' | null => {
  const raw = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const pathname = raw.split('?')[0] ?? '/';
  if (basePath === '') return pathname;
  if (pathname === basePath) return 'redirect';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : null;
};

/** Handles one request (host check, static files, info, metrics, API). */
const handle = async (req: IncomingMessage, res: ServerResponse, ctx: Context, path: string): Promise<void> => {
  const hosts = ctx.rules.hosts();
  if (hosts !== null && !hostAllowed(req.headers.host, hosts)) return sendJson(res, 403, { error: { code: 'bad_host', message: 'unexpected Host header' } });
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${method} is not allowed` } }, { Allow: 'GET, HEAD, POST' });
  const url = new URL(`${path}${req.url?.includes('?') ? `?${req.url.split('?').slice(1).join('?')}` : ''}`, 'http://dashboard.invalid');
  const asset = method !== 'POST' ? (await ctx.assets).get(url.pathname) : undefined;
  if (asset) return send(res, 200, asset.contentType, method === 'HEAD' ? '' : asset.body, { 'Cache-Control': 'no-cache' });
  if (url.pathname === '/api/info' && method !== 'POST') {
    return sendJson(res, 200, {
      readOnly: ctx.tokens.token === undefined, authRequired: ctx.tokens.token !== undefined || ctx.tokens.readToken !== undefined,
      publish: ctx.publisher !== null, intervalMs: ctx.sampler.intervalMs, basePath: ctx.basePath,
    });
  }
  if (method === 'POST') authorizeWrite(req, ctx);
  else authorizeRead(req, ctx.tokens);
  if (url.pathname === '/metrics' && method !== 'POST') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await withRedis(ctx, () => metricsText(ctx)));
  const segments = url.pathname.split('/').slice(1);
  const request = { method: method === 'HEAD' ? 'GET' : method, segments, query: url.searchParams, body: () => readJsonBody(req) };
  const result: RouteResult = await withRedis(ctx, () => routeApi(ctx, request));
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

/** Loopback Host names on any port, plus `allowedHosts` (a bare name: any port). */
const embeddedHosts = (allowed: readonly string[]): HostPolicy => {
  const bare = new Set(['localhost', '127.0.0.1', '[::1]', ...allowed.map((a) => a.toLowerCase())]);
  return { exact: new Set(), bare, anyPort: true };
};

/** Builds the handler; `rules` decide Host and Origin checks (see {@link createDashboardHandler}). */
export function buildHandler(options: DashboardHandlerOptions, rules?: HostRules): DashboardHandler {
  const opts = expectOptions('', options, HANDLER_OPTION_KEYS);
  validateHandlerOptions(opts);
  const ownAdmin = opts.admin === undefined;
  const admin = opts.admin ?? new Admin({ redis: opts.redis });
  const tokens: Tokens = { token: opts.token || undefined, readToken: opts.readToken || undefined };
  const basePath = (opts.basePath ?? '').replace(/\/$/, '');
  const embedded = tokens.token === undefined && tokens.readToken === undefined ? embeddedHosts(opts.allowedHosts ?? []) : opts.allowedHosts ? embeddedHosts(opts.allowedHosts) : null;
  // Sampling gets its own connection when it can, so a page's request never waits behind a sample's pipeline.
  const samplerAdmin = opts.redis !== undefined ? new Admin({ redis: opts.redis }) : admin;
  const sampler = new Sampler({ admin: samplerAdmin, intervalMs: opts.sampleIntervalMs ?? 2000, historyMs: opts.historyMs ?? 3_600_000, maxHistoryStreams: opts.maxHistoryStreams ?? 1000 });
  const ctx: Context = {
    admin, sampler, publisher: opts.redis === undefined ? null : new Publisher(opts.redis), tokens, assets: loadAssets(), basePath,
    rules: rules ?? { hosts: () => embedded, schemes: ['http', 'https'] }, availability: new RedisAvailability(), streamErrors: 0,
  };
  ctx.assets.catch(() => undefined);
  sampler.start();
  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const path = localPath(req, basePath);
    if (path === null) {
      if (next) return next();
      return sendJson(res, 404, { error: { code: 'not_found', message: 'no such route' } });
    }
    if (path === 'redirect') return send(res, 308, 'text/plain; charset=utf-8', '', { Location: `${basePath}/` });
    handle(req, res, ctx, path).catch((error: unknown) => answerError(req, res, ctx, error));
  };
  return Object.assign(handler, {
    close: async (): Promise<void> => {
      await sampler.stop();
      await ctx.publisher?.close();
      if (samplerAdmin !== admin) await samplerAdmin.close();
      if (ownAdmin) await admin.close();
    },
  });
}

/**
 * The dashboard as a Node request listener, to mount in an application like Bull Board: the page,
 * its JSON API and `/metrics` under `basePath`. Express: `app.use('/queues', handler)`; Fastify,
 * Koa and Hono: see docs/dashboard.md. Every stream is sampled every `sampleIntervalMs` from the
 * start (call `close()` to stop). Security is the same as `startDashboard`'s: read-only without a
 * token; with one, reads need it and writes need it plus a same-origin request; without a token
 * only loopback Host names (and `allowedHosts`) are answered.
 * @throws InvalidOptionError for invalid options.
 */
export function createDashboardHandler(options: DashboardHandlerOptions): DashboardHandler {
  return buildHandler(options);
}

export type { RedisOption };
