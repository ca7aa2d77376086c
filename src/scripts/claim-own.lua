--[[
  claim-own: take back entries whose retry is due and that this consumer still owns, counting a
  delivery (XCLAIM without JUSTID bumps Redis's delivery counter and resets the idle time). An
  entry another consumer took over meanwhile, or that was acknowledged, is left alone. Checking
  the owner and claiming happen in one script, so an entry is never taken from a consumer that
  claimed it an instant earlier.

  KEYS[1]  stream
  ARGV[1]  group
  ARGV[2]  consumer   the claiming consumer (the owner the entries must still have)
  ARGV[3…] ids        at most a few hundred (Lua's unpack limit)

  Reply: { claimed, gone, notMine }
    claimed  array of { id, deliveries (after this claim), fields }
    gone     IDs this consumer owned whose data was deleted from the stream (Redis ≥ 7 drops them
             from the PEL as it claims; the caller acknowledges them for older servers)
    notMine  IDs no longer pending for this consumer (taken over by another, or acknowledged)
]]
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local mine, counts, notMine = {}, {}, {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local row = redis.call('XPENDING', stream, group, id, id, 1)
  if #row == 1 and row[1][2] == consumer then
    mine[#mine + 1] = id
    counts[id] = row[1][4] + 1
  else
    notMine[#notMine + 1] = id
  end
end
local claimed, gone = {}, {}
if #mine > 0 then
  local seen = {}
  for _, entry in ipairs(redis.call('XCLAIM', stream, group, consumer, 0, unpack(mine))) do
    -- A deleted entry is absent from the reply (Redis ≥ 7) or nil (older servers).
    if entry and entry[2] then
      claimed[#claimed + 1] = { entry[1], counts[entry[1]], entry[2] }
      seen[entry[1]] = true
    end
  end
  for _, id in ipairs(mine) do
    if not seen[id] then gone[#gone + 1] = id end
  end
end
return { claimed, gone, notMine }
