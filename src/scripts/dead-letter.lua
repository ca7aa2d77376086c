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

  Reply: 1 when moved; 0 when the entry was no longer pending in the group (another consumer
  already acknowledged it: nothing to do); -1 when it was pending but its data is gone (trimmed):
  it is acknowledged, and nothing is added.

  Dead-letter entry fields: dead.id, dead.group, dead.reason, dead.deliveries, dead.consumer,
  dead.at, then the original fields verbatim.
]]
local stream, dead = KEYS[1], KEYS[2]
local group, id = ARGV[1], ARGV[2]

-- Acknowledge last: a script is not rolled back on error, so an XADD refused (OOM, a wrong type
-- at the dead-letter key) must leave the entry pending, never acknowledged without a dead letter.
local pending = redis.pcall('XPENDING', stream, group, id, id, 1)
if type(pending) ~= 'table' or pending.err or #pending == 0 then
  return 0
end
local entries = redis.call('XRANGE', stream, id, id)
if #entries == 0 then
  redis.call('XACK', stream, group, id)
  return -1
end
local fields = entries[1][2]
local args = { 'XADD', dead }
local maxLen = tonumber(ARGV[7])
if maxLen and maxLen > 0 then
  table.insert(args, 'MAXLEN'); table.insert(args, '~'); table.insert(args, ARGV[7])
end
for _, v in ipairs({ '*', 'dead.id', id, 'dead.group', group, 'dead.reason', ARGV[3], 'dead.deliveries', ARGV[4],
  'dead.consumer', ARGV[5], 'dead.at', ARGV[6] }) do
  table.insert(args, v)
end
for _, v in ipairs(fields) do
  table.insert(args, v)
end
redis.call(unpack(args))
redis.call('XACK', stream, group, id)
return 1
