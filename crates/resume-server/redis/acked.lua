-- keys: 2
-- The client acknowledged server messages up to ARGV[2]. ARGV: epoch, ack.
-- Returns the bytes freed, 'range' (never sent) or 'fenced'.
-- include: check_epoch
-- include: release
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'sent')) then return 'range' end
return release(tonumber(ARGV[2]))
