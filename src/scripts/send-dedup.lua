--[[
  send-dedup: append a message unless one with the same deduplication key was sent within the
  window; atomically, so two racing senders add one entry.

  KEYS[1]  stream
  KEYS[2]  dedup      the deduplication key ({stream}:dedup:<key>)
  ARGV[1]  ttlMs      the deduplication window
  ARGV[2…] fields     field, value, …

  Reply: { id, added } — the entry ID (the first one's when deduplicated) and 1 if added now.
]]
local existing = redis.call('GET', KEYS[2])
if existing then
  return { existing, 0 }
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
return { id, 1 }
