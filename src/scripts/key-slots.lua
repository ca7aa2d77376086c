--[[
  key-slots: takes (or keeps) per-key concurrency slots for a batch of messages, in order. Each key
  has a sorted set of the holders of its slots, scored by when each slot expires (Redis's clock);
  expired slots (a crashed consumer stopped renewing them) are dropped first. A holder that already
  has a slot keeps it, its expiry moved on (the same call renews running handlers' slots); another
  takes one while fewer than `limit` are held.

  KEYS[1]      config     hash of the limits consumers configured (for Admin)
  KEYS[2]      keyIndex   keys holding slots (sorted set: key → latest slot expiry)
  KEYS[3..]    slotSets   one sorted set per distinct key of this batch
  ARGV[1]      limit      slots per key (perKeyConcurrency)
  ARGV[2]      ttlMs      a slot's time to live from now (the visibility timeout)
  ARGV[3]      keyCount   K, the number of distinct keys (KEYS[3 .. 2+K])
  ARGV[4..3+K] the keys themselves, in the order of their sets
  then pairs   holder (JSON of [entry ID, stream, consumer]), slotSet (index into KEYS)

  Reply: { now, wait1, wait2, … }: Redis's time in ms, then per holder 0 when it holds a slot, else
  the milliseconds until the key's first slot expires (a slot freed by a release comes sooner).
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit, ttlMs, keyCount = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local first = 4 + keyCount
local expiry = now + ttlMs

local counts, touched = {}, {}
local reply = { now }
for i = first, #ARGV, 2 do
  local holder, set = ARGV[i], tonumber(ARGV[i + 1])
  local key = KEYS[set]
  if counts[set] == nil then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    counts[set] = redis.call('ZCARD', key)
  end
  local wait = 0
  if redis.call('ZSCORE', key, holder) then
    redis.call('ZADD', key, expiry, holder)
  elseif counts[set] < limit then
    redis.call('ZADD', key, expiry, holder)
    counts[set] = counts[set] + 1
  else
    local soonest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    wait = math.max(1, tonumber(soonest[2]) - now)
  end
  if wait == 0 then touched[set] = true end
  reply[#reply + 1] = wait
end

-- A set lives as long as its longest slot (consumers with another visibility timeout included).
for set in pairs(touched) do
  local latest = tonumber(redis.call('ZRANGE', KEYS[set], -1, -1, 'WITHSCORES')[2])
  redis.call('PEXPIREAT', KEYS[set], latest)
  redis.call('ZADD', KEYS[2], 'GT', latest, ARGV[set + 1])
end
if next(touched) ~= nil then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local latest = tonumber(redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2])
  redis.call('PEXPIREAT', KEYS[2], latest)
end
redis.call('HSET', KEYS[1], 'keyConcurrency', limit .. ' ' .. ttlMs)
redis.call('PEXPIRE', KEYS[1], 86400000)
return reply
