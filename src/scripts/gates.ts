/**
 * Typed wrappers of the admission gates' scripts (rate-limit.lua, key-slots.lua). Each call covers
 * a batch of messages: KEYS carry the fixed keys of the group, then one key per distinct message
 * key of the batch; ARGV pairs say which of those each message falls under.
 */
import type { Connection } from '../connection.js';
import type { GateKeys } from '../keys.js';
import { LuaScript } from './script.js';

const scripts = {
  rateLimit: new LuaScript('rate-limit'),
  keySlots: new LuaScript('key-slots'),
};

/** A window limit: at most `max` starts in any `perMs`. */
export interface WindowLimit {
  max: number;
  perMs: number;
}

/** One message asked about: its unique token (or holder) and its key (`undefined`: none). */
export interface GateRequest {
  token: string;
  key: string | undefined;
}

/** What a batch call answered: Redis's time, and per request 0 (granted) or the milliseconds to wait. */
export interface GateReply {
  now: number;
  waits: number[];
}

/** Builds KEYS (fixed ones, then one per distinct key) and the ARGV tail (key names, then token/index pairs). */
function batchArgs(fixed: string[], requests: readonly GateRequest[], keyOf: (key: string) => string): { keys: string[]; tail: string[] } {
  const keys = [...fixed];
  const names: string[] = [];
  const index = new Map<string, number>();
  const pairs: string[] = [];
  for (const { token, key } of requests) {
    let at = 0;
    if (key !== undefined) {
      at = index.get(key) ?? 0;
      if (at === 0) {
        keys.push(keyOf(key));
        names.push(key);
        at = keys.length;
        index.set(key, at);
      }
    }
    pairs.push(token, String(at));
  }
  return { keys, tail: [String(names.length), ...names, ...pairs] };
}

const toReply = (reply: number[]): GateReply => ({ now: Number(reply[0]), waits: reply.slice(1).map(Number) });

/**
 * Takes rate-limit grants for `requests` in order: the group's limit (if any) and each request's
 * key limit (if any and the request has a key).
 */
export async function takeRateGrants(
  connection: Connection,
  keys: GateKeys,
  limits: { group: WindowLimit | undefined; key: WindowLimit | undefined },
  requests: readonly GateRequest[],
): Promise<GateReply> {
  const { group, key } = limits;
  const batch = batchArgs([keys.config, keys.rate, keys.rateKeys], key === undefined ? requests.map((r) => ({ ...r, key: undefined })) : requests, keys.rateOf);
  const args = [String(group?.max ?? 0), String(group?.perMs ?? 1), String(key?.max ?? 0), String(key?.perMs ?? 1), ...batch.tail];
  return toReply(await scripts.rateLimit.run<number[]>(connection, batch.keys, args));
}

/**
 * Takes or keeps per-key slots for `requests` (each with a key), `ttlMs` from now; a holder that
 * has one keeps it (its expiry moved on), so the same call renews the slots of running handlers.
 */
export async function takeKeySlots(connection: Connection, keys: GateKeys, limit: number, ttlMs: number, requests: readonly GateRequest[]): Promise<GateReply> {
  const batch = batchArgs([keys.config, keys.slotKeys], requests, keys.slotsOf);
  return toReply(await scripts.keySlots.run<number[]>(connection, batch.keys, [String(limit), String(ttlMs), ...batch.tail]));
}

/** Gives a slot back (the message settled): others may take it at once. */
export async function releaseKeySlot(connection: Connection, keys: GateKeys, key: string, holder: string): Promise<void> {
  const set = keys.slotsOf(key);
  await connection.send(set, ['ZREM', set, holder]);
}
