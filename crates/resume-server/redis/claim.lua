-- keys: 2
-- A connection takes the session. ARGV: identity, the last server sequence
-- the client processed (-1 for none), ttl (ms). Returns 'lost', 'range', or
-- identity, protocol, epoch, processed, sent, acked, bytes and the list.
-- include: release
local h = redis.call('HMGET', KEYS[1], 'identity', 'sent', 'acked')
if not h[1] or h[1] ~= ARGV[1] then return 'lost' end
local last = tonumber(ARGV[2])
if last >= 0 then
  if last > tonumber(h[2]) or last < tonumber(h[3]) then return 'range' end
  release(last)
end
redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local r = redis.call('HMGET', KEYS[1], 'identity', 'protocol', 'epoch', 'processed', 'sent', 'acked', 'bytes')
return {r[1], r[2], r[3], r[4], r[5], r[6], r[7], redis.call('LRANGE', KEYS[2], 0, -1)}
