--[[
  schedule-delayed: keep a message in the stream's delayed set until its due time. The member
  is a unique token followed by the encoded fields, so equal payloads stay distinct.

  KEYS[1]  delayed    sorted set, score = due time in ms
  ARGV[1]  dueMs
  ARGV[2]  member     "<token>\n<fields as JSON array>"

  Reply: 1
]]
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
