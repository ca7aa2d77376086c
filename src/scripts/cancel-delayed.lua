--[[
  cancel-delayed: remove a delayed message before it is due.

  KEYS[1]  delayed    sorted set of delayed messages
  ARGV[1]  token      the ID `send` returned for the delayed message ("delayed:<token>")

  Reply: 1 when removed, 0 when not found (already moved into the stream, or unknown).
]]
local prefix = ARGV[1] .. '\n'
local cursor = '0'
repeat
  local page = redis.call('ZSCAN', KEYS[1], cursor, 'MATCH', ARGV[1] .. '*', 'COUNT', 200)
  cursor = page[1]
  local items = page[2]
  for i = 1, #items, 2 do
    if string.sub(items[i], 1, #prefix) == prefix then
      redis.call('ZREM', KEYS[1], items[i])
      return 1
    end
  end
until cursor == '0'
return 0
