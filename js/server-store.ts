// Where the resume protocol's server keeps sessions (steadysocket/server):
// the store interface, and MemoryStore, which keeps them in this process.
// RedisStore (js/server-redis.ts) keeps them in Redis, shared by several
// server processes. Every change to a session names the epoch the caller
// holds it at: a connection that takes the session (on any process) bumps
// the epoch, and changes at an older one are refused ("fenced"), so a
// process a resume left behind cannot touch the session any more.

/** A message kept for replay until the client acknowledges it (text as its UTF-8 bytes). */
export interface StoredMessage {
  text: boolean;
  payload: Uint8Array;
}

/**
 * One session's state. Sequence numbers: the client's messages processed
 * (`processed`); the server's sent (`sent`), of which the client
 * acknowledged `acked`; `unacked` holds `acked + 1 ..= sent`.
 */
export interface SessionRecord {
  identity: string;
  protocol: string;
  /** Bumped each time a connection takes the session. */
  epoch: number;
  processed: number;
  sent: number;
  acked: number;
  unacked: StoredMessage[];
  unackedBytes: number;
}

/** A change refused: the session is held at a later epoch, or is gone. */
export const FENCED = "fenced";
export type Fenced = typeof FENCED;

/**
 * Where sessions live. Every method is atomic. A session is kept for `ttl`
 * milliseconds after its last `create`, `claim` or `touch`, then it is gone.
 */
export interface SessionStore {
  /** Creates a session (epoch 0, nothing sent or processed). */
  create(id: string, identity: string, protocol: string, ttl: number): Promise<void>;
  /**
   * A connection takes the session: with `lastServer` (a resume), what the
   * client processed is released first. Returns the record with its epoch
   * bumped; "lost" for an unknown or expired session or another identity's
   * (alike); "range" for a `lastServer` outside acked..sent.
   */
  claim(id: string, identity: string, lastServer: number | null, ttl: number): Promise<SessionRecord | "lost" | "range">;
  /**
   * Keeps a server message for replay, if there is room (`maxMessages` and
   * `maxBytes` unacknowledged; one message goes alone): its sequence
   * number, "full", or FENCED.
   */
  append(id: string, epoch: number, message: StoredMessage, maxMessages: number, maxBytes: number): Promise<number | "full" | Fenced>;
  /** The client's message `seq` was processed. */
  processed(id: string, epoch: number, seq: number): Promise<true | Fenced>;
  /** The client acknowledged server messages up to `ack`: the bytes freed, "range" (never sent), or FENCED. */
  acked(id: string, epoch: number, ack: number): Promise<number | "range" | Fenced>;
  /** Keeps the session `ttl` more milliseconds (renewed while a connection holds it). */
  touch(id: string, epoch: number, ttl: number): Promise<true | Fenced>;
  /** Ends the session. */
  delete(id: string): Promise<void>;
  /** Counts one attempt under `key` in the current minute; false past `perMinute`. */
  rateLimit(key: string, perMinute: number): Promise<boolean>;
}

interface Kept {
  record: SessionRecord;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Sessions in a Map, in this process: they do not survive a restart. */
export class MemoryStore implements SessionStore {
  #sessions = new Map<string, Kept>();
  #hits = new Map<string, number[]>();

  #expire(id: string, kept: Kept, ttl: number): void {
    if (kept.timer) clearTimeout(kept.timer);
    kept.timer = setTimeout(() => this.#sessions.get(id) === kept && this.#sessions.delete(id), ttl);
    (kept.timer as { unref?: () => void }).unref?.();
  }

  #at(id: string, epoch: number): SessionRecord | null {
    const kept = this.#sessions.get(id);
    return kept && kept.record.epoch === epoch ? kept.record : null;
  }

  async create(id: string, identity: string, protocol: string, ttl: number): Promise<void> {
    const kept: Kept = { record: { identity, protocol, epoch: 0, processed: 0, sent: 0, acked: 0, unacked: [], unackedBytes: 0 }, timer: null };
    this.#sessions.set(id, kept);
    this.#expire(id, kept, ttl);
  }

  async claim(id: string, identity: string, lastServer: number | null, ttl: number): Promise<SessionRecord | "lost" | "range"> {
    const kept = this.#sessions.get(id);
    if (!kept || kept.record.identity !== identity) return "lost";
    const r = kept.record;
    if (lastServer !== null) {
      if (lastServer > r.sent || lastServer < r.acked) return "range";
      release(r, lastServer);
    }
    r.epoch++;
    this.#expire(id, kept, ttl);
    return { ...r, unacked: [...r.unacked] };
  }

  async append(id: string, epoch: number, message: StoredMessage, maxMessages: number, maxBytes: number): Promise<number | "full" | Fenced> {
    const r = this.#at(id, epoch);
    if (!r) return FENCED;
    const n = r.unacked.length;
    if (n > 0 && (n >= maxMessages || r.unackedBytes + message.payload.length > maxBytes)) return "full";
    r.unacked.push(message);
    r.unackedBytes += message.payload.length;
    return ++r.sent;
  }

  async processed(id: string, epoch: number, seq: number): Promise<true | Fenced> {
    const r = this.#at(id, epoch);
    if (!r) return FENCED;
    r.processed = Math.max(r.processed, seq);
    return true;
  }

  async acked(id: string, epoch: number, ack: number): Promise<number | "range" | Fenced> {
    const r = this.#at(id, epoch);
    if (!r) return FENCED;
    if (ack > r.sent) return "range";
    return release(r, ack);
  }

  async touch(id: string, epoch: number, ttl: number): Promise<true | Fenced> {
    const kept = this.#sessions.get(id);
    if (!kept || kept.record.epoch !== epoch) return FENCED;
    this.#expire(id, kept, ttl);
    return true;
  }

  async delete(id: string): Promise<void> {
    const kept = this.#sessions.get(id);
    if (kept?.timer) clearTimeout(kept.timer);
    this.#sessions.delete(id);
  }

  async rateLimit(key: string, perMinute: number): Promise<boolean> {
    const now = Date.now();
    const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < 60_000);
    const ok = recent.length < perMinute;
    if (ok) recent.push(now);
    this.#hits.set(key, recent);
    return ok;
  }

  /** Sessions kept now. */
  get size(): number {
    return this.#sessions.size;
  }
}

/** Lets go of server messages up to `ack`: the bytes freed. */
function release(r: SessionRecord, ack: number): number {
  let freed = 0;
  while (r.acked < ack && r.unacked.length > 0) {
    freed += r.unacked.shift()!.payload.length;
    r.acked++;
  }
  r.unackedBytes -= freed;
  return freed;
}
