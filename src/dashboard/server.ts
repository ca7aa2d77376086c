import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultRegistry, InvalidOptionError, StreamqError, type Admin } from '../index.js';
// Option checks only (the same messages as the library's constructors); data goes through the public API.
import { expectInteger, expectOptions, optionKeys } from '../validate.js';
import { streamGauges } from './metrics.js';
import { BadRequest } from './params.js';
import { NotFound, routeApi, statsOf, type RouteResult } from './routes.js';
import { allowedHosts, bearerMatches, hostAllowed, isSameOrigin, SECURITY_HEADERS } from './security.js';
import { loadAssets, type Asset } from './static.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The Admin the dashboard reads from (and replays/purges with). Not closed by the dashboard. */
  admin: Admin;
  /** Port to listen on; 0 picks a free one. @default 7420 */
  port?: number;
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** Enables replay and purge for requests with `Authorization: Bearer <token>`. Without it the dashboard is read-only. */
  token?: string;
}

/** The option names of {@link startDashboard}: a new option is one line here (the compiler checks the list). */
const DASHBOARD_OPTION_KEYS = optionKeys<DashboardOptions>({ admin: true, port: true, host: true, token: true });

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
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    throw new InvalidOptionError('Expected `token` to be a non-empty string');
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

const send = (res: ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
};

const sendJson = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v)));

const sendError = (res: ServerResponse, status: number, code: string, message: string): void => sendJson(res, status, { error: { code, message } });

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

/** Refuses a state-changing request unless writes are enabled, it is same-origin and bears the token. */
const authorizeWrite = (req: IncomingMessage, token: string | undefined): void => {
  if (token === undefined) throw new HttpError(403, 'read_only', 'the dashboard is read-only: start it with a token to replay or purge');
  const origin = { origin: req.headers.origin, host: req.headers.host, secFetchSite: req.headers['sec-fetch-site'] as string | undefined };
  if (!isSameOrigin(origin)) throw new HttpError(403, 'cross_origin', 'cross-origin requests may not change anything');
  if (!bearerMatches(req.headers.authorization, token)) throw new HttpError(403, 'bad_token', 'a valid token is required (Authorization: Bearer …)');
};

/** Maps an error to a status and JSON error (never a stack, never a credential). */
const errorStatus = (error: unknown): { status: number; code: string; message: string } => {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof BadRequest) return { status: 400, code: error.code, message: error.message };
  if (error instanceof NotFound) return { status: 404, code: 'not_found', message: error.message };
  if (error instanceof StreamqError) {
    const redisCode = (error as { redisCode?: string }).redisCode;
    if (redisCode === 'NOGROUP') return { status: 404, code: 'not_found', message: error.message };
    if (error.code === 'ERR_STREAMQ_WRONG_TYPE') return { status: 409, code: 'wrong_type', message: error.message };
    if (error.code === 'ERR_STREAMQ_OPTIONS') return { status: 400, code: 'bad_request', message: error.message };
    if (error.code === 'ERR_STREAMQ_CONNECTION' || error.code === 'ERR_STREAMQ_AUTH') return { status: 503, code: 'redis_unavailable', message: error.message };
    return { status: 500, code: error.code, message: error.message };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
};

/** The Prometheus text of `/metrics`: the process's registry plus per-stream gauges. */
const metricsText = async (admin: Admin): Promise<string> => {
  const own = defaultRegistry.prometheus();
  const gauges = streamGauges(await statsOf(admin, [...(await admin.listStreams())].sort()));
  return `${own}${own === '' || own.endsWith('\n') ? '' : '\n'}${gauges}`;
};

/** Handles one request (host check, static files, metrics, API). */
const handle = async (req: IncomingMessage, res: ServerResponse, ctx: { admin: Admin; token?: string; assets: Map<string, Asset>; hosts: Set<string> | undefined }): Promise<void> => {
  if (!hostAllowed(req.headers.host, ctx.hosts)) return sendError(res, 403, 'bad_host', 'unexpected Host header');
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return send(res, 405, 'application/json', JSON.stringify({ error: { code: 'method_not_allowed', message: `${method} is not allowed` } }), { Allow: 'GET, HEAD, POST' });
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  const asset = method !== 'POST' ? ctx.assets.get(url.pathname) : undefined;
  if (asset) return send(res, 200, asset.contentType, method === 'HEAD' ? '' : asset.body, { 'Cache-Control': 'no-cache' });
  if (url.pathname === '/metrics' && method !== 'POST') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await metricsText(ctx.admin));
  if (method === 'POST') authorizeWrite(req, ctx.token);
  const segments = url.pathname.split('/').slice(1);
  const result: RouteResult = await routeApi(ctx.admin, { method: method === 'HEAD' ? 'GET' : method, segments, query: url.searchParams, body: () => readJsonBody(req) }, ctx.token === undefined);
  if ('json' in result) return sendJson(res, result.status, result.json);
  return send(res, result.status, result.contentType, result.text);
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

/**
 * Starts the dashboard: the page (`/`), its JSON API (`/api/...`) and `/metrics`, on node:http.
 * Binds 127.0.0.1:7420 by default; read-only unless `token` is given, and then every POST must
 * be same-origin and carry `Authorization: Bearer <token>`. The token is never logged.
 */
export const startDashboard = async (input: DashboardOptions): Promise<Dashboard> => {
  const options = validateDashboardOptions(input);
  const assets = await loadAssets();
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  const ctx = { admin: options.admin, ...(options.token ? { token: options.token } : {}), assets, hosts: undefined as Set<string> | undefined };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, ctx).catch((error: unknown) => {
      const { status, code, message } = errorStatus(error);
      if (status >= 500) console.error(`streamq dashboard: ${req.method} ${req.url?.split('?')[0]}: ${error instanceof Error ? error.message : String(error)}`);
      if (res.headersSent) return void res.destroy();
      sendError(res, status, code, message);
    });
  });
  const address = await listen(server, options.port ?? 7420, host);
  ctx.hosts = allowedHosts(host, address.port);
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
