/**
 * The consumer group on each stream a consumer reads: created with MKSTREAM when missing, without
 * a check-then-create race (BUSYGROUP means it exists).
 */
import type { Connection } from '../connection.js';
import { parseXinfoGroups } from '../commands/xinfo.js';
import { WrongTypeError } from '../errors.js';
import { isRedisError } from '../redis-errors.js';

/** Creates `group` on `stream` at `startAt` if missing; resolves true when it was created now. */
export async function ensureGroup(connection: Connection, stream: string, group: string, startAt: string): Promise<boolean> {
  try {
    await connection.send(stream, ['XGROUP', 'CREATE', stream, group, startAt, 'MKSTREAM']);
    return true;
  } catch (error) {
    if (isRedisError(error, 'BUSYGROUP')) return false;
    // At maxmemory Redis refuses XGROUP CREATE before looking: an existing group still lets us consume (and drain memory).
    if (isRedisError(error, 'OOM') && (await groupExists(connection, stream, group))) return false;
    if (error instanceof WrongTypeError) {
      const type = await connection.send<string>(stream, ['TYPE', stream]).catch(() => 'another type');
      throw new WrongTypeError(`Key "${stream}" holds a ${type}, not a stream: cannot consume it`, { cause: error });
    }
    throw error;
  }
}

async function groupExists(connection: Connection, stream: string, group: string): Promise<boolean> {
  const groups = await connection.send(stream, ['XINFO', 'GROUPS', stream]).then(parseXinfoGroups, () => []);
  return groups.some((found) => found.name === group);
}
