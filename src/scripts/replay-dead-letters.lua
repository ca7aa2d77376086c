--[[
  replay-dead-letters: put dead letters back into their stream (as new entries, so every group
  sees them) and remove them from the dead-letter stream, atomically per call.

  KEYS[1]    stream     the user's stream
  KEYS[2]    dead       its dead-letter stream
  KEYS[3…]   levels     the streams of its priority levels, if it has any (same slot)
  ARGV[1]    n          how many priority levels follow
  ARGV[2…n+1] names     their names, in the order of KEYS[3…]
  ARGV[n+2…] ids        dead-letter entry IDs to replay

  A dead letter that records a priority level (dead.priority) goes back to that level's stream;
  any other to the stream itself.

  Reply: { added, wide }
    added  the new stream entry IDs, one per replayed dead letter (IDs not found are skipped)
    wide   dead-letter IDs left in place because their fields (kept as one JSON array in
           `dead.fields`) are too many for one Lua call: the caller replays those itself

  The dead.* metadata pairs that precede the original fields are matched by name in the order
  dead-letter.lua writes them (as Admin's parser does), so a dead letter lacking one still gives
  back its original fields, all of them and nothing else.
]]
local stream, dead = KEYS[1], KEYS[2]
local META = { 'dead.id', 'dead.group', 'dead.reason', 'dead.deliveries', 'dead.consumer', 'dead.at', 'dead.priority' }
-- level name -> index of its stream in KEYS
local levels = {}
local n = tonumber(ARGV[1])
for i = 1, n do
  levels[ARGV[1 + i]] = 2 + i
end
local MAX_VALUES = 7000

-- Index of the first original field (1-based) in a dead letter's flat fields, and its level.
local function firstOriginal(fields)
  local at, level = 1, nil
  for _, name in ipairs(META) do
    if fields[at] == name and at + 1 <= #fields then
      if name == 'dead.priority' then level = fields[at + 1] end
      at = at + 2
    end
  end
  return at, level
end

local added, wide = {}, {}
for a = n + 2, #ARGV do
  local deadId = ARGV[a]
  local entries = redis.call('XRANGE', dead, deadId, deadId)
  if #entries == 1 then
    local fields = entries[1][2]
    local first, level = firstOriginal(fields)
    local target = (level and levels[level]) or 1
    local original = {}
    if fields[first] == 'dead.fields' and #fields == first + 1 then
      original = cjson.decode(fields[first + 1])
    else
      for i = first, #fields do
        original[#original + 1] = fields[i]
      end
    end
    if #original > MAX_VALUES then
      wide[#wide + 1] = deadId
    else
      local args = { 'XADD', KEYS[target], '*' }
      for _, v in ipairs(original) do
        args[#args + 1] = v
      end
      if #args == 3 then
        table.insert(args, 'd'); table.insert(args, 'null')
      end
      table.insert(added, redis.call(unpack(args)))
      redis.call('XDEL', dead, deadId)
    end
  end
end
return { added, wide }
