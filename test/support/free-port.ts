/**
 * Free loopback TCP ports for test servers.
 *
 * A port returned here was free a moment ago; another process may still grab it before the
 * caller binds it, so callers that spawn servers should retry on "address in use"
 * ({@link RedisServer.start} does).
 *
 * @module
 */
import { createServer, type Server } from 'node:net';

const LOOPBACK = '127.0.0.1';

/** Opens a listener on 127.0.0.1 with a kernel-assigned port and resolves once it listens. */
function listenOnRandomPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => resolve(server));
  });
}

/** Reads the port a listening server is bound to. */
function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('free-port: listener has no TCP address');
  }
  return address.port;
}

/** Closes a listener and resolves when the port is released. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Returns a TCP port on 127.0.0.1 that was free when this call ran
 * (listens on port 0, reads the assigned port, closes the listener).
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * Returns `count` distinct free ports on 127.0.0.1. All listeners are held open at the same time
 * before any is closed, so the ports are guaranteed to be different from each other.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) servers.push(await listenOnRandomPort());
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}
