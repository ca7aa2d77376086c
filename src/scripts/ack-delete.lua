--[[
  ack-delete: acknowledge entries for a group and delete those that no other group still needs
  (not yet delivered to it, or pending in it), for pure queue use (`deleteOnAck`).

  KEYS[1]  stream
  ARGV[1]  group
  ARGV[2…] ids

  Reply: { acked, deleted }
]]
local stream, group = KEYS[1], ARGV[1]
local ids = { unpack(ARGV, 2) }
local acked = redis.call('XACK', stream, group, unpack(ids))

local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function lessOrEqual(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as <= bs)
end

local others = {}
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local g = {}
  for i = 1, #raw, 2 do g[raw[i]] = raw[i + 1] end
  if g['name'] ~= group then
    others[#others + 1] = g
  end
end

local deletable = {}
for _, id in ipairs(ids) do
  local needed = false
  for _, g in ipairs(others) do
    if not lessOrEqual(id, g['last-delivered-id']) then
      needed = true
      break
    end
    if g['pending'] > 0 and #redis.call('XPENDING', stream, g['name'], id, id, 1) > 0 then
      needed = true
      break
    end
  end
  if not needed then
    deletable[#deletable + 1] = id
  end
end
local deleted = 0
if #deletable > 0 then
  deleted = redis.call('XDEL', stream, unpack(deletable))
end
return { acked, deleted }
