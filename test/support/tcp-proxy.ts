/**
 * A loopback TCP proxy for fault injection: put it between a client and a redis-server, then cut
 * or refuse connections on demand.
 *
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

const HOST = '127.0.0.1';

/** A client connection and its upstream connection. */
interface Pair {
  client: Socket;
  upstream: Socket;
}

/** Destroys both sockets of a pair (FIN when possible; buffered data is discarded). */
function destroyPair(pair: Pair): void {
  pair.client.destroy();
  pair.upstream.destroy();
}

/** Starts listening and resolves with the bound port. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('tcp-proxy: no address'));
      else resolve(address.port);
    });
  });
}

/**
 * Forwards TCP connections from 127.0.0.1:{@link port} to a target. Each accepted connection gets
 * its own upstream connection; when either side closes, the other is closed too.
 *
 * @example
 * const proxy = await TcpProxy.start({ host: server.host, port: server.port });
 * const client = createClient({ url: proxy.url });
 * proxy.cutAll(); // the client sees its socket close and reconnects through the proxy
 */
export class TcpProxy {
  readonly port: number;
  readonly target: { host: string; port: number };
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #paused = false;

  private constructor(server: Server, port: number, target: { host: string; port: number }) {
    this.#server = server;
    this.port = port;
    this.target = target;
  }

  /** Listens on 127.0.0.1 (`listenPort`, default a free port) and forwards to `target`. */
  static async start(target: { host: string; port: number }, listenPort = 0): Promise<TcpProxy> {
    const server = createServer({ noDelay: true });
    const port = await listen(server, listenPort);
    const proxy = new TcpProxy(server, port, { ...target });
    server.on('connection', (socket) => proxy.#accept(socket));
    server.on('error', () => undefined); // listener errors after start are not actionable in tests
    return proxy;
  }

  /** `redis://127.0.0.1:PORT` (plain; a TLS target is proxied byte-for-byte, use `rediss://` yourself). */
  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  /** Number of currently open client connections. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Whether new connections are currently refused. */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Closes every open connection (both sides) now and returns how many there were.
   * New connections are still accepted.
   */
  cutAll(): number {
    const pairs = [...this.#pairs];
    this.#pairs.clear();
    pairs.forEach(destroyPair);
    return pairs.length;
  }

  /** Cuts all open connections and closes every new one immediately until {@link resume}. */
  pause(): void {
    this.#paused = true;
    this.cutAll();
  }

  /** Accepts and forwards new connections again. */
  resume(): void {
    this.#paused = false;
  }

  /** Stops listening, cuts all connections and resolves when the listener is closed. Idempotent. */
  close(): Promise<void> {
    this.#paused = true;
    this.cutAll();
    if (!this.#server.listening) return Promise.resolve();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Handles a new client connection: refuse when paused, else connect upstream and pipe both ways. */
  #accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.#paused) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream };
    this.#pairs.add(pair);
    const teardown = (): void => {
      this.#pairs.delete(pair);
      destroyPair(pair);
    };
    client.once('close', teardown);
    upstream.once('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
