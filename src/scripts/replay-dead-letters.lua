--[[
  replay-dead-letters: put dead letters back into their stream (as new entries, so every group
  sees them) and remove them from the dead-letter stream, atomically per call.

  KEYS[1]  stream     the user's stream
  KEYS[2]  dead       its dead-letter stream
  ARGV     ids        dead-letter entry IDs to replay

  Reply: { added, wide }
    added  the new stream entry IDs, one per replayed dead letter (IDs not found are skipped)
    wide   dead-letter IDs left in place because their fields (kept as one JSON array in
           `dead.fields`) are too many for one Lua call: the caller replays those itself
]]
local stream, dead = KEYS[1], KEYS[2]
local META_FIELDS = 12 -- six dead.* pairs precede the original fields
local MAX_VALUES = 7000
local added, wide = {}, {}
for _, deadId in ipairs(ARGV) do
  local entries = redis.call('XRANGE', dead, deadId, deadId)
  if #entries == 1 then
    local fields = entries[1][2]
    local original = {}
    if fields[META_FIELDS + 1] == 'dead.fields' and #fields == META_FIELDS + 2 then
      original = cjson.decode(fields[META_FIELDS + 2])
    else
      for i = META_FIELDS + 1, #fields do
        original[#original + 1] = fields[i]
      end
    end
    if #original > MAX_VALUES then
      wide[#wide + 1] = deadId
    else
      local args = { 'XADD', stream, '*' }
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
