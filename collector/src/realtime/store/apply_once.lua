-- Applies one batch's live writes unless it was counted already: the compare-and-set of
-- the per-partition offset watermarks and the writes are one script, so Redis runs them
-- atomically (nothing else runs between them, and they are persisted together).
--
-- KEYS[1]  the watermark hash (partition -> next offset already counted)
-- ARGV[1]  n, the number of partitions; then n times: partition, expected value (what the
--          caller believes the watermark is, '' for absent), new value
-- then     the commands, each as its word count followed by its words
--
-- Returns {'ok'} after writing, or {'conflict', current...} (one per partition, '' for
-- absent) without writing anything when a watermark is not what the caller expected.
local n = tonumber(ARGV[1])
local current = {}
local conflict = false
for p = 1, n do
  local at = 2 + (p - 1) * 3
  local now = redis.call('HGET', KEYS[1], ARGV[at])
  if not now then now = '' end
  current[p] = now
  if now ~= ARGV[at + 1] then conflict = true end
end
if conflict then
  table.insert(current, 1, 'conflict')
  return current
end
for p = 1, n do
  local at = 2 + (p - 1) * 3
  redis.call('HSET', KEYS[1], ARGV[at], ARGV[at + 2])
end
local i = 2 + n * 3
while i <= #ARGV do
  local argc = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + argc))
  i = i + argc + 1
end
return {'ok'}
