--[[
  upsert-schedule: create or change a schedule, atomically. A definition equal to the stored one
  (same revision) changes nothing, so every service instance may upsert the same schedule at
  start-up. A changed payload, headers or missed policy keeps the next due time; a changed spec
  (cron, time zone or interval) starts again from the first tick the caller computed.

  KEYS[1]  definitions  hash: name → definition JSON (with a "specKey" field)
  KEYS[2]  revisions    hash: name → revision
  KEYS[3]  next         sorted set: name → next due time in ms
  ARGV[1]  name
  ARGV[2]  definition JSON
  ARGV[3]  revision     (a hash of the definition)
  ARGV[4]  specKey      (the spec in one canonical string)
  ARGV[5]  firstDueMs   first tick after now under the new spec, "" when the spec has none

  Reply: { outcome, nextDueMs } — outcome 'created' | 'updated' | 'unchanged';
         nextDueMs "" when the schedule has no next run.
]]
local name = ARGV[1]
local function nextDue()
  return redis.call('ZSCORE', KEYS[3], name) or ''
end

if redis.call('HGET', KEYS[2], name) == ARGV[3] then
  return { 'unchanged', nextDue() }
end

local old = redis.call('HGET', KEYS[1], name)
local keepNext = false
if old then
  local ok, decoded = pcall(cjson.decode, old)
  keepNext = ok and type(decoded) == 'table' and decoded.specKey == ARGV[4]
end

redis.call('HSET', KEYS[1], name, ARGV[2])
redis.call('HSET', KEYS[2], name, ARGV[3])
if not keepNext then
  if ARGV[5] == '' then
    redis.call('ZREM', KEYS[3], name)
  else
    redis.call('ZADD', KEYS[3], ARGV[5], name)
  end
end
local outcome = 'created'
if old then outcome = 'updated' end
return { outcome, nextDue() }
