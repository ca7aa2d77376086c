--[[
  replay-dead-letters: put dead letters back into their stream (as new entries, so every group
  sees them) and remove them from the dead-letter stream, atomically per call.

  KEYS[1]  stream     the user's stream
  KEYS[2]  dead       its dead-letter stream
  ARGV     ids        dead-letter entry IDs to replay

  Reply: array of the new stream entry IDs, one per replayed dead letter (IDs not found are skipped).
]]
local stream, dead = KEYS[1], KEYS[2]
local META_FIELDS = 12 -- six dead.* pairs precede the original fields
local added = {}
for _, deadId in ipairs(ARGV) do
  local entries = redis.call('XRANGE', dead, deadId, deadId)
  if #entries == 1 then
    local fields = entries[1][2]
    local args = { 'XADD', stream, '*' }
    for i = META_FIELDS + 1, #fields do
      table.insert(args, fields[i])
    end
    if #args == 3 then
      table.insert(args, 'd'); table.insert(args, 'null')
    end
    table.insert(added, redis.call(unpack(args)))
    redis.call('XDEL', dead, deadId)
  end
end
return added
