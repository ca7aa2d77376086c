--[[
  delete-consumer: remove one consumer from a group (XGROUP DELCONSUMER), unless it still holds
  pending entries or was active more recently than a minimum idle time, in one atomic step (the
  check and the deletion cannot be split by a read of that consumer).

  KEYS[1]  stream      the user's stream
  ARGV[1]  group       the consumer group
  ARGV[2]  consumer    the consumer to delete
  ARGV[3]  force       '1': delete even when it holds pending entries (they leave the group's
                       pending entries list: the group never delivers them again); '0': refuse
  ARGV[4]  minIdleMs   delete only when its idle time is at least this ('0': whatever it is)

  Reply: { existed, pending, deleted }: existed 1 when the group knows the consumer, pending the
  entries it holds, deleted 1 when it was removed. Error reply NOGROUP when the stream or the
  group does not exist.
]]
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local force, minIdle = ARGV[3] == '1', tonumber(ARGV[4])

-- XINFO says "no such key" for a missing stream: answer as XGROUP would, with NOGROUP.
if redis.call('EXISTS', stream) == 0 then
  return redis.error_reply("NOGROUP No such key '" .. stream .. "' or consumer group '" .. group .. "'")
end

for _, info in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
  local fields = {}
  for i = 1, #info, 2 do fields[info[i]] = info[i + 1] end
  if fields['name'] == consumer then
    local pending, idle = tonumber(fields['pending']), tonumber(fields['idle'])
    if (pending > 0 and not force) or idle < minIdle then
      return { 1, pending, 0 }
    end
    redis.call('XGROUP', 'DELCONSUMER', stream, group, consumer)
    return { 1, pending, 1 }
  end
end
return { 0, 0, 0 }
