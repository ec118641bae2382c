// RedisStore: the resume protocol's sessions in Redis, shared by every
// server process that uses the same Redis and prefix, so that a client
// resumes on whichever process a load balancer picks, and sessions outlive
// a process that stops. The key layout (docs/PROTOCOL.md, "Sessions in
// Redis") is the same for every adapter. Each change is one Lua script
// (shared with the Rust adapter), so it is atomic and checks the session's
// epoch (fencing) in the same step.
import { SCRIPTS } from "./generated/redis-scripts.js";
import { FENCED, type Fenced, type SessionRecord, type SessionStore, type StoredMessage } from "./server-store.js";

/** What RedisStore needs of a Redis client: ioredis's `defineCommand` and the commands it defines. */
export interface RedisClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}

// Node's Buffer (RedisStore runs in Node): ioredis sends it as bytes.
declare const Buffer: { allocUnsafe(size: number): Uint8Array };

type Reply = Uint8Array | string | number | null | Reply[];

// The scripts (crates/resume-server/redis/*.lua, shared with the Rust
// adapter) are defined on the client as "ss" + their name: ssClaim, ...
const command = (name: string) => "ss" + name[0].toUpperCase() + name.slice(1);

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
    for (const [name, script] of Object.entries(SCRIPTS)) {
      if (typeof (redis as unknown as Commands)[command(name)] !== "function") redis.defineCommand(command(name), script);
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
