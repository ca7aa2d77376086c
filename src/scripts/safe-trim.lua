--[[
  safe-trim: trim a stream without removing any entry that some consumer group has not yet read
  or has read but not acknowledged. The safe bound is, over every group, the smaller of its
  oldest pending ID and the ID just after its last-delivered ID; nothing at or after it goes.

  KEYS[1]  stream
  ARGV[1]  maxLen      keep at least this many newest entries ("" : no length cap)
  ARGV[2]  minId       remove entries older than this ID ("" : no age cap)
  ARGV[3]  approximate "1": let Redis trim whole macro-nodes (faster, may keep a few more)
  ARGV[4]  limit       at most this many entries removed by the length cap in one call

  Reply: { removed, safeBound } — how many entries were removed, and the safe bound used
  ("" when the stream has no group: then no reader is protected and the caps apply as given).
]]
local stream = KEYS[1]
if redis.call('EXISTS', stream) == 0 then
  return { 0, '' }
end

local function parse(id)
  local dash = string.find(id, '-', 1, true)
  if not dash then return tonumber(id), 0 end
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function nextId(id)
  local ms, seq = parse(id)
  return string.format('%.0f-%.0f', ms, seq + 1)
end

local groups = redis.call('XINFO', 'GROUPS', stream)
local bound = nil
for _, raw in ipairs(groups) do
  local g = {}
  for i = 1, #raw, 2 do g[raw[i]] = raw[i + 1] end
  local candidate = nextId(g['last-delivered-id'])
  local summary = redis.call('XPENDING', stream, g['name'])
  if summary[1] > 0 and less(summary[2], candidate) then
    candidate = summary[2]
  end
  if bound == nil or less(candidate, bound) then
    bound = candidate
  end
end

local cut = nil
if ARGV[2] ~= '' then
  cut = ARGV[2]
  if bound ~= nil and less(bound, cut) then cut = bound end
end
if ARGV[1] ~= '' then
  local excess = redis.call('XLEN', stream) - tonumber(ARGV[1])
  if excess > 0 then
    local limit = tonumber(ARGV[4])
    if limit and limit > 0 and excess > limit then excess = limit end
    local upper = '+'
    if bound ~= nil then upper = '(' .. bound end
    local oldest = redis.call('XRANGE', stream, '-', upper, 'COUNT', excess)
    if #oldest > 0 then
      local lengthCut = nextId(oldest[#oldest][1])
      if cut == nil or less(cut, lengthCut) then cut = lengthCut end
    end
  end
end
if cut == nil then
  return { 0, bound or '' }
end
local removed
if ARGV[3] == '1' then
  removed = redis.call('XTRIM', stream, 'MINID', '~', cut)
else
  removed = redis.call('XTRIM', stream, 'MINID', cut)
end
return { removed, bound or '' }
