--[[
  renew-leases: reset the idle time of entries a live consumer is still working on, so that the
  reclaim sweep of other consumers does not take them over. XCLAIM … JUSTID does not bump the
  delivery counter. An entry now owned by another consumer (it was reclaimed while this one was
  slow) is left alone and reported.

  KEYS[1]  stream
  ARGV[1]  group
  ARGV[2]  consumer
  ARGV[3…] ids

  Reply: array of the IDs this consumer no longer owns (reclaimed by another, or acknowledged).
]]
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local lost = {}
local mine = {}
-- XCLAIM key group consumer min-idle id… JUSTID: ids first, the flag last
for i = 3, #ARGV do
  local id = ARGV[i]
  local pending = redis.call('XPENDING', stream, group, id, id, 1)
  if #pending == 1 and pending[1][2] == consumer then
    table.insert(mine, id)
  else
    table.insert(lost, id)
  end
end
if #mine > 0 then
  table.insert(mine, 'JUSTID')
  redis.call('XCLAIM', stream, group, consumer, 0, unpack(mine))
end
return lost
