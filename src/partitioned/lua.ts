/**
 * The Lua scripts of ordered partitioned consumption, kept inline (they are small) and run like
 * the others: EVALSHA, then EVAL when Redis does not have the script cached. Each declares all
 * the keys it touches in KEYS, so it runs in one cluster slot.
 */
import { createHash } from 'node:crypto';
import type { Connection } from '../connection.js';
import { isRedisError } from '../redis-errors.js';

/** A Lua script held as source text. */
export class InlineScript {
  /** Name, for messages. */
  readonly name: string;
  /** The Lua source, header included. */
  readonly source: string;
  readonly #sha: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with `keys` (all in one slot) and `args`. */
  async run<T>(connection: Connection, keys: readonly string[], args: readonly string[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await connection.send<T>(keys[0], ['EVALSHA', this.#sha, ...tail]);
    } catch (error) {
      if (!isRedisError(error, 'NOSCRIPT')) throw error;
      return connection.send<T>(keys[0], ['EVAL', this.source, ...tail]);
    }
  }
}

/** Take, renew or give up the lease of one partition. */
export const partitionLease = new InlineScript('partition-lease', `--[[
  partition-lease: take, renew or give up the lease that makes one member the only consumer of a
  partition in ordered mode.

  KEYS[1]  lease   string key holding the owner's name, with a TTL
  ARGV[1]  op      'acquire' | 'renew' | 'release'
  ARGV[2]  owner   the member's name
  ARGV[3]  ttlMs   lease time to live

  Reply: 1 when done (acquired, renewed, released), 0 when the lease is held by another member
  (or, for renew and release, by nobody).
]]
local holder = redis.call('GET', KEYS[1])
if ARGV[1] == 'acquire' then
  if holder == false then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
  end
  if holder == ARGV[2] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return 1
  end
  return 0
end
if holder ~= ARGV[2] then
  return 0
end
if ARGV[1] == 'renew' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('DEL', KEYS[1])
end
return 1
`);

/** Heartbeat of a member; lists the live members. */
export const membersHeartbeat = new InlineScript('members-heartbeat', `--[[
  members-heartbeat: record that a member of an ordered partitioned consumer group is alive (or
  leaving), forget members silent for longer than the TTL, and list the live ones. Times are the
  server's clock, so members on hosts with skewed clocks agree.

  KEYS[1]  members  sorted set: member name, score = last heartbeat (server ms)
  ARGV[1]  member   the member's name
  ARGV[2]  ttlMs    a member silent this long is gone
  ARGV[3]  leave    '1': remove the member instead of recording a heartbeat

  Reply: the live member names, sorted.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', now - ttl))
redis.call('PEXPIRE', KEYS[1], ttl * 10)
local names = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(names)
return names
`);

/** Every inline script, for checks (each declares all its keys). */
export const INLINE_SCRIPTS: readonly InlineScript[] = [partitionLease, membersHeartbeat];
