/** Redis server facts for {@link Admin}, from one INFO command. */
import type { Connection } from './connection.js';

/** What `Admin.serverInfo` reports of the Redis (or Valkey) server. */
export interface ServerInfo {
  /** `redis_version` (Valkey reports a compatible one; see `valkeyVersion`). */
  version: string;
  /** `valkey_version` when the server is Valkey, else `null`. */
  valkeyVersion: string | null;
  /** `master` or `slave` (a replica). */
  role: string;
  /** Bytes of memory used (`used_memory`). */
  usedMemory: number;
  /** The `maxmemory` limit in bytes; 0: none. */
  maxMemory: number;
  /** Connected clients. */
  clients: number;
  /** Commands per second, as Redis measures it (`instantaneous_ops_per_sec`). */
  opsPerSec: number;
  /** Seconds since the server started. */
  uptimeSec: number;
  /** Whether the append-only file is on. */
  aof: boolean;
}

/** Parses INFO text into `field → value` (sections merged). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

/** Reads the server facts (INFO, default sections). */
export async function readServerInfo(connection: Connection): Promise<ServerInfo> {
  const info = parseInfo(String(await connection.send(undefined, ['INFO'])));
  const num = (name: string): number => {
    const n = Number(info.get(name));
    return Number.isFinite(n) ? n : 0;
  };
  return {
    version: info.get('redis_version') ?? 'unknown',
    valkeyVersion: info.get('valkey_version') ?? null,
    role: info.get('role') ?? 'unknown',
    usedMemory: num('used_memory'),
    maxMemory: num('maxmemory'),
    clients: num('connected_clients'),
    opsPerSec: num('instantaneous_ops_per_sec'),
    uptimeSec: num('uptime_in_seconds'),
    aof: info.get('aof_enabled') === '1',
  };
}
