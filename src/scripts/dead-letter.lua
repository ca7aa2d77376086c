--[[
  dead-letter: move one pending entry to the dead-letter stream and acknowledge it, atomically.

  KEYS[1]  stream        the user's stream
  KEYS[2]  dead          its dead-letter stream
  ARGV[1]  group         the consumer group giving up on the entry
  ARGV[2]  id            the entry's ID
  ARGV[3]  reason        why (the handler's last error, "maxDeliveries exceeded", a decode error)
  ARGV[4]  deliveries    Redis's delivery counter for the entry
  ARGV[5]  consumer      the consumer dead-lettering it
  ARGV[6]  now           milliseconds since the epoch
  ARGV[7]  maxLen        approximate cap of the dead-letter stream ("0": none)
  ARGV[8]  level         the entry's priority level when KEYS[1] is a level's stream ("" otherwise)

  Reply: 1 when moved; 0 when the entry was no longer pending in the group (another consumer
  already acknowledged it: nothing to do); -1 when it was pending but its data is gone (trimmed):
  it is acknowledged, and nothing is added. An error reply (WRONGTYPE: the dead-letter key is not a
  stream; ERR: too many fields to copy) means nothing was done: the entry stays pending.

  Dead-letter entry fields: dead.id, dead.group, dead.reason, dead.deliveries, dead.consumer,
  dead.at, dead.priority (only for a priority level's stream, so a replay returns it to its
  level), then the original fields verbatim — or, for an entry with more field values than a Lua
  call can pass on (LUAI_MAXCSTACK, about 8,000), one field `dead.fields` holding them as a JSON
  array of strings (Admin decodes either form).
]]
local stream, dead = KEYS[1], KEYS[2]
local group, id = ARGV[1], ARGV[2]

-- A script is not rolled back on error, so whatever would make the XADD fail is checked before
-- the XACK (a key of another type at the dead-letter key; more fields than Lua can pass on): the
-- entry then stays pending. The XACK comes before the XADD because it makes this script a writer,
-- and Redis refuses only a script's first write at maxmemory: dead-lettering still works under OOM.
local deadType = redis.call('TYPE', dead)['ok']
if deadType ~= 'none' and deadType ~= 'stream' then
  return redis.error_reply('WRONGTYPE dead-letter key ' .. dead .. ' holds a ' .. deadType .. ', not a stream: entry ' .. id .. ' stays pending')
end
local entries = redis.call('XRANGE', stream, id, id)
local args = { 'XADD', dead }
if #entries > 0 then
  local maxLen = tonumber(ARGV[7])
  if maxLen and maxLen > 0 then
    table.insert(args, 'MAXLEN'); table.insert(args, '~'); table.insert(args, ARGV[7])
  end
  for _, v in ipairs({ '*', 'dead.id', id, 'dead.group', group, 'dead.reason', ARGV[3], 'dead.deliveries', ARGV[4],
    'dead.consumer', ARGV[5], 'dead.at', ARGV[6] }) do
    table.insert(args, v)
  end
  if ARGV[8] ~= '' then
    table.insert(args, 'dead.priority'); table.insert(args, ARGV[8])
  end
  local fields = entries[1][2]
  if #args + #fields <= 7000 then
    for _, v in ipairs(fields) do
      table.insert(args, v)
    end
  else
    table.insert(args, 'dead.fields'); table.insert(args, cjson.encode(fields))
  end
  if not pcall(unpack, args) then
    return redis.error_reply('ERR entry ' .. id .. ' cannot be copied into a dead letter: it stays pending')
  end
end

if redis.call('XACK', stream, group, id) == 0 then
  return 0
end
if #entries == 0 then
  return -1
end
redis.call(unpack(args))
return 1
