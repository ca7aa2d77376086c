/** `sendMany`'s chunked, pipelined appends (the send-many script, several calls in flight). */
import type { Connection } from './connection.js';
import type { StreamKeys } from './keys.js';
import * as scripts from './scripts/index.js';

/**
 * Sends `payloads` in chunks of `chunkSize`, keeping up to `inFlight` chunk commands in flight: as
 * each reply comes, the next chunk is encoded and sent while Redis works on the ones queued, so
 * Node's encoding and Redis's appends overlap. Resolves with every ID, in order. After a failure no
 * new chunk is sent; the first error rejects once the chunks already in flight have settled.
 */
export async function sendChunks(
  connection: Connection, keys: StreamKeys, payloads: readonly string[], headersJson: string | undefined, chunkSize: number, inFlight: number,
): Promise<string[]> {
  const count = Math.ceil(payloads.length / chunkSize);
  if (count <= 1) return count === 0 ? [] : scripts.sendMany(connection, keys, payloads, headersJson);
  const replies: string[][] = new Array<string[]>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      const k = next++;
      try {
        replies[k] = await scripts.sendMany(connection, keys, payloads.slice(k * chunkSize, (k + 1) * chunkSize), headersJson);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (failure !== undefined) throw failure.error;
  return replies.flat();
}
