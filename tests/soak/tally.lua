-- The two-instance soak's tally of client messages, run by every server
-- process of the fleet (tests/soak/instance.mjs, and the Rust adapter's
-- soak_instance example) as its application's one effect.
-- KEYS: the seqs seen, the numbers seen, the tally hash.
-- ARGV: "<session>:<seq>" (the idempotency key), the message's number.
-- A key seen before is a message handed over again after a process died
-- before recording it as processed: not counted twice. A number seen under
-- another key is a duplicate; one below the highest seen, a reordering.
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local n = tonumber(ARGV[2])
if redis.call('SADD', KEYS[2], n) == 0 then redis.call('HINCRBY', KEYS[3], 'duplicated', 1) end
local highest = tonumber(redis.call('HGET', KEYS[3], 'highest') or '0')
if n < highest then redis.call('HINCRBY', KEYS[3], 'reordered', 1) else redis.call('HSET', KEYS[3], 'highest', n) end
return 1
