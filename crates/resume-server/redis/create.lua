-- keys: 2
-- A new session. ARGV: identity, protocol, ttl (ms).
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'identity', ARGV[1], 'protocol', ARGV[2], 'epoch', 0, 'processed', 0, 'sent', 0, 'acked', 0, 'bytes', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
