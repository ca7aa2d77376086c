--[[
  delete-idle-consumer: remove a consumer from its group only when it holds no pending entries
  (XGROUP DELCONSUMER would drop its pending entries, and they would never be delivered again).
  Checking and deleting in one script closes the window in which a read could hand it an entry.

  KEYS[1]  stream
  ARGV[1]  group
  ARGV[2]  consumer

  Reply: 1 when deleted; 0 when it was not deleted, with the number of entries it still holds as
  a second element ({ 0, pending }); { 0, 0 } when it was not in the group.
]]
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local held = redis.call('XPENDING', stream, group, '-', '+', 1, consumer)
if #held > 0 then
  local summary = redis.call('XPENDING', stream, group)
  local pending = 0
  for _, row in ipairs(summary[4] or {}) do
    if row[1] == consumer then pending = tonumber(row[2]) end
  end
  return { 0, pending }
end
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
  for i = 1, #row, 2 do
    if row[i] == 'name' and row[i + 1] == consumer then
      redis.call('XGROUP', 'DELCONSUMER', stream, group, consumer)
      return { 1, 0 }
    end
  end
end
return { 0, 0 }
