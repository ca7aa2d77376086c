--[[
  send-many: append many messages to a stream in one command, so a batch costs one round trip
  and no per-message command parsing. Messages of one call share their headers (or have none),
  which keeps the loop free of table building.

  KEYS[1]  stream
  ARGV[1]  headers   the headers JSON for every message, or "" for none
  ARGV[2…] payloads  one JSON payload per message

  Reply: array of the new entry IDs, in order.
]]
local stream = KEYS[1]
local headers = ARGV[1]
local ids = {}
if headers == '' then
  for i = 2, #ARGV do
    ids[i - 1] = redis.call('XADD', stream, '*', 'd', ARGV[i])
  end
else
  for i = 2, #ARGV do
    ids[i - 1] = redis.call('XADD', stream, '*', 'd', ARGV[i], 'h', headers)
  end
end
return ids
