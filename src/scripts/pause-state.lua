--[[
  pause-state: whether a consumer group is paused, and for how much longer (on Redis's clock). An
  expired pause is removed.

  KEYS[1]  paused    the stream's hash of paused groups
  ARGV[1]  group

  Reply: -1 when not paused; 0 when paused until resumed; otherwise the milliseconds left.
]]
local paused, group = KEYS[1], ARGV[1]
local untilMs = redis.call('HGET', paused, group)
if not untilMs then return -1 end
untilMs = tonumber(untilMs)
if untilMs == 0 then return 0 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if untilMs <= now then
  redis.call('HDEL', paused, group)
  return -1
end
return untilMs - now
