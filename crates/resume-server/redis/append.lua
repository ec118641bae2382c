-- keys: 2
-- Keeps a server message for replay. ARGV: epoch, the item (type byte and
-- bytes), max messages, max bytes. Returns its sequence number, 'full' or
-- 'fenced'.
-- include: check_epoch
local h = redis.call('HMGET', KEYS[1], 'sent', 'acked', 'bytes')
local count = tonumber(h[1]) - tonumber(h[2])
local size = #ARGV[2] - 1
if count > 0 and (count >= tonumber(ARGV[3]) or tonumber(h[3]) + size > tonumber(ARGV[4])) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('HINCRBY', KEYS[1], 'bytes', size)
return redis.call('HINCRBY', KEYS[1], 'sent', 1)
