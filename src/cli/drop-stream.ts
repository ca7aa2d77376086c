import { createClient } from 'redis';
import type { Admin } from '../index.js';

/** Escapes Redis glob characters (`* ? [ ] \`) in a literal. */
export const escapeGlob = (literal: string): string => literal.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Deletes a stream and its auxiliary keys (`{stream}:*`: dead letters, delayed set, dedup keys).
 * Only for streams the CLI itself created (the demo's), whose names have no braces.
 * Uses `admin.deleteStream` when the library offers one.
 */
export const deleteStreamKeys = async (admin: Admin, url: string, stream: string): Promise<void> => {
  const viaAdmin = (admin as unknown as { deleteStream?: (s: string) => Promise<unknown> }).deleteStream;
  if (typeof viaAdmin === 'function') {
    await viaAdmin.call(admin, stream);
    return;
  }
  if (/[{}]/.test(stream)) throw new Error(`refusing to guess the auxiliary keys of "${stream}" (it has braces)`);
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const keys = [stream];
    for await (const batch of client.scanIterator({ MATCH: `{${escapeGlob(stream)}}:*`, COUNT: 500 })) keys.push(...batch);
    await client.del(keys);
  } finally {
    client.destroy();
  }
};
