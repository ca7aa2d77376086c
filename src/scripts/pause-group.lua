--[[
  pause-group: pause a consumer group (its consumers start no new handler) until a time measured
  on Redis's own clock, so consumers on machines with skewed clocks agree on when it ends.

  KEYS[1]  paused    the stream's hash of paused groups (field: group, value: until in ms, "0": until resumed)
  ARGV[1]  group
  ARGV[2]  forMs     how long; "" for until resumed

  Reply: the end of the pause in ms since the epoch on Redis's clock, or 0 for until resumed.
]]
local paused, group, forMs = KEYS[1], ARGV[1], ARGV[2]
local untilMs = 0
if forMs ~= '' then
  local time = redis.call('TIME')
  untilMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(forMs)
  -- A longer pause already in force is not shortened by a short one (rateLimited from a handler).
  local current = redis.call('HGET', paused, group)
  if current and (tonumber(current) == 0 or tonumber(current) >= untilMs) then
    return tonumber(current)
  end
end
redis.call('HSET', paused, group, untilMs)
return untilMs
