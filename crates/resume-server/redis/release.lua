-- Lets go of the replay list's items up to `upto` (an ack): the bytes freed.
local function release(upto)
  local acked = tonumber(redis.call('HGET', KEYS[1], 'acked'))
  local freed = 0
  while acked < upto do
    local item = redis.call('LPOP', KEYS[2])
    if not item then break end
    freed = freed + #item - 1
    acked = acked + 1
  end
  redis.call('HSET', KEYS[1], 'acked', acked)
  if freed > 0 then redis.call('HINCRBY', KEYS[1], 'bytes', 0 - freed) end
  return freed
end
