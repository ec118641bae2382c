-- keys: 2
-- The client's message ARGV[2] was processed. ARGV: epoch, seq.
-- include: check_epoch
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'processed')) then redis.call('HSET', KEYS[1], 'processed', ARGV[2]) end
return 1
