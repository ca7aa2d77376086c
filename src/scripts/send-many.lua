--[[
  send-many: append many messages to a stream in one round trip and one command, so a large
  batch costs Redis one script call instead of one XADD parse each.

  KEYS[1]  stream
  ARGV     for each message: its field count n, then n values (field, value, field, value…)

  Reply: array of the new entry IDs, in order.
]]
local stream = KEYS[1]
local ids = {}
local i = 1
local n = #ARGV
while i <= n do
  local count = tonumber(ARGV[i])
  local args = { stream, '*' }
  for j = i + 1, i + count do
    args[#args + 1] = ARGV[j]
  end
  ids[#ids + 1] = redis.call('XADD', unpack(args))
  i = i + count + 1
end
return ids
