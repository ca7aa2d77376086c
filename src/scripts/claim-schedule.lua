--[[
  claim-schedule: send the due tick(s) of one schedule and advance its next due time, atomically.
  The claim names the tick it is for (the next due time it read): when another scheduler has
  claimed it first, the stored next due time has moved on and nothing is sent. So each tick is
  appended exactly once however many schedulers race for it, and a crash can never fall between
  "sent" and "advanced". Ticks are never sent before their time by Redis's own clock (TIME).

  KEYS[1]  stream
  KEYS[2]  revisions    hash: name → revision
  KEYS[3]  next         sorted set: name → next due time in ms
  KEYS[4]  last         hash: name → "<last sent tick ms> <entry ID>"
  ARGV[1]  name
  ARGV[2]  revision     of the definition the payload and headers come from
  ARGV[3]  expectedDueMs  the stored next due time this claim is for
  ARGV[4]  nextDueMs    the next due time after the ticks sent, "" when the schedule has no more runs
  ARGV[5]  data field name      ARGV[6]  payload (JSON)      ARGV[7]  headers field name
  ARGV[8], ARGV[9], …   pairs: tick ms, headers JSON — the entries to append, in order

  Reply: { 'sent', nextDueMs, nowMs, id1, id2, … }
       | { 'stale', currentRevision }   the definition changed (or was removed: "")
       | { 'taken', currentDueMs }      another claim came first ("" when no run is due any more)
       | { 'early', nowMs }             the last tick is still in the future by Redis's clock
]]
local name = ARGV[1]
local revision = redis.call('HGET', KEYS[2], name)
if revision ~= ARGV[2] then
  return { 'stale', revision or '' }
end
local due = redis.call('ZSCORE', KEYS[3], name)
if not due or tonumber(due) ~= tonumber(ARGV[3]) then
  return { 'taken', due or '' }
end

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if tonumber(ARGV[#ARGV - 1]) > nowMs then
  return { 'early', tostring(nowMs) }
end

local reply = { 'sent', ARGV[4], tostring(nowMs) }
local lastId
for i = 8, #ARGV, 2 do
  lastId = redis.call('XADD', KEYS[1], '*', ARGV[5], ARGV[6], ARGV[7], ARGV[i + 1])
  reply[#reply + 1] = lastId
end
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[3], name)
else
  redis.call('ZADD', KEYS[3], ARGV[4], name)
end
redis.call('HSET', KEYS[4], name, ARGV[#ARGV - 1] .. ' ' .. lastId)
return reply
