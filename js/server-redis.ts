// RedisStore: the resume protocol's sessions in Redis, shared by every
// server process that uses the same Redis and prefix, so that a client
// resumes on whichever process a load balancer picks, and sessions outlive
// a process that stops. The key layout (docs/PROTOCOL.md, "Sessions in
// Redis") is the same for every adapter. Each change is one Lua script, so
// it is atomic and checks the session's epoch (fencing) in the same step.
import { FENCED, type Fenced, type SessionRecord, type SessionStore, type StoredMessage } from "./server-store.js";

/** What RedisStore needs of a Redis client: ioredis's `defineCommand` and the commands it defines. */
export interface RedisClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}

// Node's Buffer (RedisStore runs in Node): ioredis sends it as bytes.
declare const Buffer: { allocUnsafe(size: number): Uint8Array };

type Reply = Uint8Array | string | number | null | Reply[];

// The session hash: identity, protocol, epoch, processed, sent, acked, bytes.
// The replay list: one item per unacknowledged server message, `acked + 1`
// first, each a type byte ("t" text, "b" binary) and the message's bytes.
const CHECK_EPOCH = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch or tonumber(epoch) ~= tonumber(ARGV[1]) then return 'fenced' end
`;
// Lets go of list items up to ARGV[n] (an ack): returns the bytes freed.
const RELEASE = `
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
`;
const SCRIPTS: Record<string, string> = {
  ssCreate: `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'identity', ARGV[1], 'protocol', ARGV[2], 'epoch', 0, 'processed', 0, 'sent', 0, 'acked', 0, 'bytes', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
  ssClaim:
    RELEASE +
    `
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
return {r[1], r[2], r[3], r[4], r[5], r[6], r[7], redis.call('LRANGE', KEYS[2], 0, -1)}`,
  ssAppend:
    CHECK_EPOCH +
    `
local h = redis.call('HMGET', KEYS[1], 'sent', 'acked', 'bytes')
local count = tonumber(h[1]) - tonumber(h[2])
local size = #ARGV[2] - 1
if count > 0 and (count >= tonumber(ARGV[3]) or tonumber(h[3]) + size > tonumber(ARGV[4])) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('HINCRBY', KEYS[1], 'bytes', size)
return redis.call('HINCRBY', KEYS[1], 'sent', 1)`,
  ssProcessed:
    CHECK_EPOCH +
    `
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'processed')) then redis.call('HSET', KEYS[1], 'processed', ARGV[2]) end
return 1`,
  ssAcked:
    CHECK_EPOCH +
    RELEASE +
    `
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'sent')) then return 'range' end
return release(tonumber(ARGV[2]))`,
  ssTouch:
    CHECK_EPOCH +
    `
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`,
  ssRate: `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 60000) end
return n`,
};

type Commands = Record<string, (...args: unknown[]) => Promise<Reply>>;

const TEXT = 0x74; // "t"
const BINARY = 0x62; // "b"

function item(m: StoredMessage): Uint8Array {
  const out = Buffer.allocUnsafe(m.payload.length + 1);
  out[0] = m.text ? TEXT : BINARY;
  out.set(m.payload, 1);
  return out;
}

const decoder = new TextDecoder();
const str = (r: Reply): string => (r instanceof Uint8Array ? decoder.decode(r) : String(r));
const num = (r: Reply): number => Number(str(r));

/**
 * Sessions in Redis (through an ioredis client), under `prefix` (default
 * "steadysocket:"): every process with the same Redis and prefix shares them.
 */
export class RedisStore implements SessionStore {
  #redis: Commands;
  #prefix: string;

  constructor(redis: RedisClient, options: { prefix?: string } = {}) {
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      const numberOfKeys = name === "ssRate" ? 1 : 2;
      if (typeof (redis as unknown as Commands)[name] !== "function") redis.defineCommand(name, { numberOfKeys, lua });
    }
    this.#redis = redis as unknown as Commands;
    this.#prefix = options.prefix ?? "steadysocket:";
  }

  #keys(id: string): [string, string] {
    return [`${this.#prefix}session:${id}`, `${this.#prefix}replay:${id}`];
  }

  async create(id: string, identity: string, protocol: string, ttl: number): Promise<void> {
    await this.#redis.ssCreate(...this.#keys(id), identity, protocol, ttl);
  }

  async claim(id: string, identity: string, lastServer: number | null, ttl: number): Promise<SessionRecord | "lost" | "range"> {
    const r = await this.#redis.ssClaimBuffer(...this.#keys(id), identity, lastServer ?? -1, ttl);
    if (!Array.isArray(r)) return str(r) === "range" ? "range" : "lost";
    const [who, protocol, epoch, processed, sent, acked, bytes, items] = r;
    const unacked = (items as Uint8Array[]).map((b) => ({ text: b[0] === TEXT, payload: new Uint8Array(b.subarray(1)) }));
    return { identity: str(who), protocol: str(protocol), epoch: num(epoch), processed: num(processed), sent: num(sent), acked: num(acked), unacked, unackedBytes: num(bytes) };
  }

  async append(id: string, epoch: number, message: StoredMessage, maxMessages: number, maxBytes: number): Promise<number | "full" | Fenced> {
    const r = await this.#redis.ssAppend(...this.#keys(id), epoch, item(message), maxMessages, maxBytes);
    return typeof r === "number" ? r : (str(r) as "full" | Fenced);
  }

  async processed(id: string, epoch: number, seq: number): Promise<true | Fenced> {
    const r = await this.#redis.ssProcessed(...this.#keys(id), epoch, seq);
    return r === 1 ? true : FENCED;
  }

  async acked(id: string, epoch: number, ack: number): Promise<number | "range" | Fenced> {
    const r = await this.#redis.ssAcked(...this.#keys(id), epoch, ack);
    return typeof r === "number" ? r : (str(r) as "range" | Fenced);
  }

  async touch(id: string, epoch: number, ttl: number): Promise<true | Fenced> {
    const r = await this.#redis.ssTouch(...this.#keys(id), epoch, ttl);
    return r === 1 ? true : FENCED;
  }

  async delete(id: string): Promise<void> {
    await (this.#redis as unknown as { del(...keys: string[]): Promise<unknown> }).del(...this.#keys(id));
  }

  async rateLimit(key: string, perMinute: number): Promise<boolean> {
    return num(await this.#redis.ssRate(`${this.#prefix}rate:${key}`)) <= perMinute;
  }
}
