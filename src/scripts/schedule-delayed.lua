--[[
  schedule-delayed: keep a message in the stream's delayed set until its due time. The member
  is a unique token followed by the encoded fields, so equal payloads stay distinct. With a
  deduplication key, a second schedule within the window adds nothing and returns the first
  one's token (atomically: two racing senders schedule one message).

  KEYS[1]  delayed    sorted set, score = due time in ms
  KEYS[2]  dedup      (optional) the deduplication key ({stream}:dedup:<key>)
  ARGV[1]  dueMs
  ARGV[2]  member     "<token>\n<fields as JSON array>"
  ARGV[3]  ttlMs      (with KEYS[2]) the deduplication window

  Reply: the token of the scheduled message (the first one's when deduplicated).
]]
local token = string.match(ARGV[2], '^[^\n]*')
if KEYS[2] then
  local existing = redis.call('GET', KEYS[2])
  if existing then return existing end
  redis.call('SET', KEYS[2], token, 'PX', ARGV[3])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return token
