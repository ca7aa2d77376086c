/**
 * Typed wrapper of delete-consumer.lua (its header documents KEYS, ARGV and replies), beside
 * the wrappers of index.ts.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import { LuaScript } from './script.js';

const deleteConsumerScript = new LuaScript('delete-consumer');

/** What {@link deleteConsumer} found and did. */
export interface DeleteConsumerOutcome {
  /** Whether the group knew the consumer. */
  existed: boolean;
  /** Entries it held un-acknowledged. */
  pending: number;
  /** Whether it was removed. */
  deleted: boolean;
}

/**
 * Removes a consumer from a group unless it holds pending entries (`force` deletes anyway) or was
 * idle for less than `minIdleMs`. Rejects with NOGROUP when the stream or group is missing.
 */
export async function deleteConsumer(
  connection: Connection,
  keys: StreamKeys,
  target: { group: string; consumer: string; force: boolean; minIdleMs: number },
): Promise<DeleteConsumerOutcome> {
  const [existed, pending, deleted] = await deleteConsumerScript.run<[number, number, number]>(connection, [keys.stream], [
    target.group, target.consumer, target.force ? '1' : '0', String(target.minIdleMs),
  ]);
  return { existed: Number(existed) === 1, pending: Number(pending), deleted: Number(deleted) === 1 };
}
