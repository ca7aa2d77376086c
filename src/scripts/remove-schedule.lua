--[[
  remove-schedule: delete a schedule with its state, atomically, so no claim can run half-way
  through a removal (a claim after it finds no revision and sends nothing).

  KEYS[1]  definitions
  KEYS[2]  revisions
  KEYS[3]  next
  KEYS[4]  last
  ARGV[1]  name

  Reply: 1 when the schedule existed, 0 otherwise.
]]
local existed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return existed
