--[[
  stream-snapshot: one stream's state for Admin.snapshot (and the dashboard's sampler, which calls
  it for every stream every 2 s) in one call instead of six: the stream's and its dead letters'
  XINFO STREAM (without their first and last entries' fields, which may be large), XINFO GROUPS,
  each group's oldest pending ID, the delayed count and the paused groups. Read only.

  KEYS[1]  stream
  KEYS[2]  dead       its dead-letter stream
  KEYS[3]  delayed    its delayed set
  KEYS[4]  paused     its hash of paused groups

  Reply: { stream, groups, dead, delayed, paused, oldest }
    stream   {} when the key does not exist, else { length, entriesAdded (-1: unknown), firstId ('' : none), lastGeneratedId }
    dead     the same for the dead-letter stream
    groups   XINFO GROUPS as it is (flat name/value lists)
    delayed  ZCARD of the delayed set
    paused   HGETALL of the paused hash (group, until ms, …)
    oldest   per group, in XINFO GROUPS order: its oldest pending ID, or '' when none
  A key of another type at KEYS[1] or KEYS[2] is an error reply (WRONGTYPE), as XINFO gives it.
]]
local function info(key)
  local ok, reply = pcall(redis.call, 'XINFO', 'STREAM', key)
  if not ok then
    local message = tostring(reply.err or reply)
    if string.find(message, 'no such key', 1, true) then return {} end
    return redis.error_reply(message)
  end
  local fields = {}
  for i = 1, #reply, 2 do fields[reply[i]] = reply[i + 1] end
  local first = ''
  if type(fields['first-entry']) == 'table' and fields['first-entry'][1] then first = fields['first-entry'][1] end
  local added = fields['entries-added']
  if type(added) ~= 'number' then added = -1 end
  return { fields['length'], added, first, fields['last-generated-id'] or '' }
end

local stream = info(KEYS[1])
if stream.err then return stream end
local dead = info(KEYS[2])
if dead.err then return dead end
local groups = {}
if #stream > 0 then groups = redis.call('XINFO', 'GROUPS', KEYS[1]) end
local oldest = {}
for i, group in ipairs(groups) do
  local name, pending = nil, 0
  for j = 1, #group, 2 do
    if group[j] == 'name' then name = group[j + 1] end
    if group[j] == 'pending' then pending = group[j + 1] end
  end
  oldest[i] = ''
  if pending > 0 then
    local summary = redis.call('XPENDING', KEYS[1], name)
    if summary[2] then oldest[i] = summary[2] end
  end
end
local delayed = redis.call('ZCARD', KEYS[3])
local paused = {}
if redis.call('TYPE', KEYS[4]).ok == 'hash' then paused = redis.call('HGETALL', KEYS[4]) end
return { stream, groups, dead, delayed, paused, oldest }
