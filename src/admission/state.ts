/**
 * Reading the gates' shared state for operators (Admin, CLI, dashboard): how much of each rate
 * window is used, and which keys hold per-key slots. Reads only; a snapshot, not atomic across
 * keys. Times are Redis's, like the gates'.
 */
import type { Connection } from '../connection.js';
import type { GateKeys } from '../keys.js';
import { toRecord } from '../commands/replies.js';
import type { KeyConcurrencyState, RateLimitState } from '../admin-types.js';

/** Most keys looked at per call (the most recently used ones). */
const KEY_SCAN_LIMIT = 1_000;

/** Redis's time in ms, from the node holding `key`. */
async function redisNow(connection: Connection, key: string): Promise<number> {
  const [seconds, micros] = await connection.send<[string, string]>(key, ['TIME']);
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** `"max perMs"` (as the scripts store a limit) → numbers; `undefined` when absent or malformed. */
function parsePair(value: unknown): [number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const [a, b] = value.split(' ').map(Number);
  return Number.isFinite(a) && Number.isFinite(b) ? [a as number, b as number] : undefined;
}

/** A WITHSCORES reply (RESP2 flat, or RESP3 pairs) → [member, score] pairs. */
function scored(reply: unknown): [string, number][] {
  if (!Array.isArray(reply)) return [];
  if (reply.length > 0 && Array.isArray(reply[0])) return (reply as [unknown, unknown][]).map(([m, s]) => [String(m), Number(s)]);
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), Number(reply[i + 1])]);
  return pairs;
}

/** The use of a group's rate limits now: the group window, and the `top` busiest keys. */
export async function readRateLimitState(connection: Connection, keys: GateKeys, top: number): Promise<RateLimitState> {
  const [config, now] = await Promise.all([connection.send(keys.config, ['HGETALL', keys.config]).then(toRecord), redisNow(connection, keys.config)]);
  const groupLimit = parsePair(config.rate);
  const keyLimit = parsePair(config.keyRate);
  const state: RateLimitState = { group: null, perKey: null };
  if (groupLimit !== undefined) {
    const [max, perMs] = groupLimit;
    const used = Number(await connection.send(keys.rate, ['ZCOUNT', keys.rate, `(${now - perMs}`, '+inf']));
    state.group = { max, perMs, used };
  }
  if (keyLimit !== undefined) {
    const [max, perMs] = keyLimit;
    const since = `(${now - perMs}`;
    const [active, recent] = await Promise.all([
      connection.send(keys.rateKeys, ['ZCOUNT', keys.rateKeys, since, '+inf']).then(Number),
      connection.send<string[]>(keys.rateKeys, ['ZREVRANGEBYSCORE', keys.rateKeys, '+inf', since, 'LIMIT', '0', String(KEY_SCAN_LIMIT)]),
    ]);
    const used = await Promise.all(recent.map(async (key) => ({
      key: String(key),
      used: Number(await connection.send(keys.rateOf(String(key)), ['ZCOUNT', keys.rateOf(String(key)), since, '+inf'])),
    })));
    used.sort((a, b) => b.used - a.used || (a.key < b.key ? -1 : 1));
    state.perKey = { max, perMs, activeKeys: active, top: used.filter((k) => k.used > 0).slice(0, top) };
  }
  return state;
}

/** The keys holding per-key slots now, with their holders. */
export async function readKeyConcurrency(connection: Connection, keys: GateKeys): Promise<KeyConcurrencyState> {
  const [config, now] = await Promise.all([connection.send(keys.config, ['HGETALL', keys.config]).then(toRecord), redisNow(connection, keys.config)]);
  const limit = parsePair(config.keyConcurrency)?.[0] ?? null;
  const active = await connection.send<string[]>(keys.slotKeys, ['ZRANGEBYSCORE', keys.slotKeys, `(${now}`, '+inf', 'LIMIT', '0', String(KEY_SCAN_LIMIT)]);
  const rows = await Promise.all(active.map(async (name) => {
    const key = String(name);
    const set = keys.slotsOf(key);
    const holders = scored(await connection.send(set, ['ZRANGEBYSCORE', set, `(${now}`, '+inf', 'WITHSCORES'])).map(([holder, expires]) => {
      const [id, stream, consumer] = parseHolder(holder);
      return { id, stream, consumer, expiresInMs: expires - now };
    });
    return { key, holders };
  }));
  return { limit, keys: rows.filter((row) => row.holders.length > 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
}

/** A holder as the gate writes it (JSON of [entry ID, stream, consumer]); shown raw if it is not. */
function parseHolder(holder: string): [string, string, string] {
  try {
    const parsed: unknown = JSON.parse(holder);
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === 'string')) return parsed as [string, string, string];
  } catch {
    // written by something else: shown as is
  }
  return [holder, '', ''];
}
