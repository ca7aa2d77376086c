--[[
  promote-delayed: move due delayed messages into the stream, oldest first, atomically, so
  whichever producer or consumer runs it first does the work and none is moved twice.

  KEYS[1]  stream
  KEYS[2]  delayed    sorted set, score = due time in ms; member "<token>\n<fields JSON array>"
  ARGV[1]  now        milliseconds since the epoch
  ARGV[2]  limit      at most this many moved per call

  Reply: { moved, nextDueMs } — nextDueMs is "" when nothing else waits.
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local newline = string.find(member, '\n', 1, true)
  local fields = cjson.decode(string.sub(member, newline + 1))
  redis.call('XADD', KEYS[1], '*', unpack(fields))
  redis.call('ZREM', KEYS[2], member)
end
local nextDue = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local nextMs = ''
if #nextDue == 2 then nextMs = nextDue[2] end
return { #due, nextMs }
