--[[
  rate-limit: takes rate-limit grants for a batch of messages, in order, from sliding-window logs
  (one per limit: the group's, and each key's). A log holds one entry per handler start, scored by
  Redis's clock, and is trimmed to the window, so every window of `perMs` holds at most `max`
  starts (a token bucket or GCRA would let about 2 × max through in the first window after idle).
  A message is granted only when every limit it falls under has room, and then takes a share of
  each; one held back takes nothing.

  KEYS[1]      config     hash of the limits consumers configured (for Admin)
  KEYS[2]      groupLog   the group's log (sorted set: token → start time in ms)
  KEYS[3]      keyIndex   keys with starts in their window (sorted set: key → last start)
  KEYS[4..]    keyLogs    one log per distinct key of this batch
  ARGV[1]      groupMax   starts per window for the group; 0: no group limit
  ARGV[2]      groupPerMs the group's window
  ARGV[3]      keyMax     starts per window for each key; 0: no per-key limit
  ARGV[4]      keyPerMs   each key's window
  ARGV[5]      keyCount   K, the number of distinct keys (KEYS[4 .. 3+K])
  ARGV[6..5+K] the keys themselves, in the order of their logs
  then pairs   token (unique per start), keyLog (index into KEYS of the message's key log; 0: none)

  Reply: { now, wait1, wait2, … }: Redis's time in ms, then per message 0 when granted, else the
  milliseconds until every limit it falls under has room again.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local groupMax, groupPerMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local keyMax, keyPerMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local keyCount = tonumber(ARGV[5])
local first = 6 + keyCount

-- Entries in each log's window, counted once per call (after trimming what left the window).
local counts, added = {}, {}
local function inWindow(log, perMs)
  if counts[log] == nil then
    redis.call('ZREMRANGEBYSCORE', KEYS[log], '-inf', now - perMs)
    counts[log] = redis.call('ZCARD', KEYS[log])
  end
  return counts[log]
end
-- When the window of a full log has room again: once its (count - max + 1)-th newest entry leaves.
local function roomIn(log, max, perMs)
  local oldest = redis.call('ZRANGE', KEYS[log], counts[log] - max, counts[log] - max, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + perMs - now)
end

local reply = { now }
for i = first, #ARGV, 2 do
  local token, keyLog = ARGV[i], tonumber(ARGV[i + 1])
  local wait = 0
  if groupMax > 0 and inWindow(2, groupPerMs) >= groupMax then wait = roomIn(2, groupMax, groupPerMs) end
  if keyLog > 0 and inWindow(keyLog, keyPerMs) >= keyMax then wait = math.max(wait, roomIn(keyLog, keyMax, keyPerMs)) end
  if wait == 0 then
    if groupMax > 0 then
      redis.call('ZADD', KEYS[2], now, token)
      counts[2] = counts[2] + 1
      added[2] = groupPerMs
    end
    if keyLog > 0 then
      redis.call('ZADD', KEYS[keyLog], now, token)
      counts[keyLog] = counts[keyLog] + 1
      added[keyLog] = keyPerMs
    end
  end
  reply[#reply + 1] = wait
end

-- A log outlives its newest entry by one window, no more: idle groups and keys leave nothing behind.
for log, perMs in pairs(added) do
  redis.call('PEXPIRE', KEYS[log], perMs)
  if log > 3 then redis.call('ZADD', KEYS[3], now, ARGV[log + 2]) end
end
if keyMax > 0 and next(added) ~= nil then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - keyPerMs)
  redis.call('PEXPIRE', KEYS[3], keyPerMs)
end
if groupMax > 0 then redis.call('HSET', KEYS[1], 'rate', groupMax .. ' ' .. groupPerMs) end
if keyMax > 0 then redis.call('HSET', KEYS[1], 'keyRate', keyMax .. ' ' .. keyPerMs) end
redis.call('PEXPIRE', KEYS[1], 86400000)
return reply
