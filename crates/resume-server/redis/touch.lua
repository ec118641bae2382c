-- keys: 2
-- Keeps the session ARGV[2] more milliseconds. ARGV: epoch, ttl.
-- include: check_epoch
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
