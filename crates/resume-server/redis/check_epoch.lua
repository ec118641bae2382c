-- Every change names the epoch its process holds the session at (ARGV[1]):
-- a later connection (on any process) has bumped it, or the session is gone.
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch or tonumber(epoch) ~= tonumber(ARGV[1]) then return 'fenced' end
