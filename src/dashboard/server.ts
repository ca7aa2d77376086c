/**
 * `streamq/dashboard`: the standalone dashboard server (`startDashboard`, what `streamq dashboard`
 * runs), the mountable handler (`createDashboardHandler`) and the prom-client bridge
 * (`registerPromClient`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { InvalidOptionError } from '../index.js';
import { expectInteger, expectOptions, optionKeys } from '../validate.js';
import { buildHandler, HANDLER_OPTION_KEYS, validateHandlerOptions, type DashboardHandlerOptions } from './handler.js';
import { allowedHosts, isLoopbackHost, type HostPolicy } from './security.js';
import { loadAssets } from './static.js';

export { createDashboardHandler } from './handler.js';
export type { DashboardHandler, DashboardHandlerOptions } from './handler.js';
export { registerPromClient } from './prom-client.js';
export type { PromClientLike, RegisterPromClientOptions } from './prom-client.js';

/** Options of {@link startDashboard}: those of the handler, and where to listen. */
export interface DashboardOptions extends Omit<DashboardHandlerOptions, 'basePath'> {
  /** Port to listen on; 0 picks a free one. @default 7420 */
  port?: number;
  /**
   * Address to bind. Anything but loopback (127.0.0.1, ::1, localhost) needs `token` or
   * `readToken`: the dashboard refuses to start otherwise. @default '127.0.0.1'
   */
  host?: string;
  /**
   * Extra Host header values to answer to (DNS-rebinding defence), for the names the dashboard
   * is reached by when it binds beyond loopback: `name` (any port, e.g. behind a proxy) or
   * `name:port`. Loopback names with the port, and the bound address, are always accepted.
   * @default []
   */
  allowedHosts?: string[];
}

const { basePath: _basePath, ...HANDLER_KEYS_WITHOUT_BASE } = HANDLER_OPTION_KEYS;
/** The option names of {@link startDashboard}. */
const DASHBOARD_OPTION_KEYS = optionKeys<DashboardOptions>({ ...HANDLER_KEYS_WITHOUT_BASE, port: true, host: true });

/** Checks the options of {@link startDashboard} before anything listens. */
function validateDashboardOptions(input: DashboardOptions): DashboardOptions {
  const options = expectOptions('', input, DASHBOARD_OPTION_KEYS);
  validateHandlerOptions(options);
  if (options.port !== undefined) expectInteger('port', options.port, 0, 65_535);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
    throw new InvalidOptionError('Expected `host` to be a non-empty string (an address to bind, e.g. 127.0.0.1)');
  }
  return options;
}

/** A running dashboard. */
export interface Dashboard {
  /** `http://host:port` of the page. */
  url: string;
  /** Stops listening, closes open connections and stops sampling. */
  close(): Promise<void>;
}

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
  if (!isLoopbackHost(host) && !options.token && !options.readToken) {
    throw new InvalidOptionError(`Refusing to listen on ${host} without a token: anyone who can reach it could read your messages. Give a token (or a read token), or bind 127.0.0.1`);
  }
  await loadAssets(); // refuse to start without the page (a build that did not bundle it)
  const { port, host: _host, allowedHosts: extraHosts, ...handlerOptions } = options;
  let hosts: HostPolicy = allowedHosts(host, 0);
  const handler = buildHandler(handlerOptions, { hosts: () => hosts, schemes: ['http'] });
  const server = createServer();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handler(req, res));
  let address: AddressInfo;
  try {
    address = await listen(server, port ?? 7420, host);
  } catch (error) {
    await handler.close();
    throw error;
  }
  hosts = allowedHosts(host, address.port, extraHosts ?? [], interfaceAddresses());
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await handler.close();
    },
  };
};
