// A socket's core before its wasm module has loaded (browsers and bundlers,
// where loading is a fetch): the socket is usable at once. Its options were
// checked already. Nothing can reach the network before the module is there,
// so what is asked meanwhile comes down to a state (idle, connecting or
// closed: dispatched as the engine would) and the messages sent, in order.
// Once the module is ready, the engine's core gets the messages, then the
// state; a message it refuses comes back as a drop event (reason "refused").
// If the module cannot load, the socket closes for good with that reason, and
// the messages stay in its outbox. The outbox's bounds and overflow policy
// apply from the first send, as the engine applies them (a test compares
// the two over random sequences).
import { KIND, messageOf, refusedWith, SteadySocketError } from "./events.js";
import { isArrayBuffer, isBlob, type On } from "./frames.js";
import { SEND_OUTCOME } from "./generated/boundary.js";
import type { ErrorCode } from "./types.js";

/** The outbox's bounds while the link is down, from the options (see outboxLimits in options.ts). */
export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
  overflow: "reject" | "drop-oldest" | "drop-newest";
}

const QUEUED = SEND_OUTCOME.indexOf("queued");
const DROPPED = SEND_OUTCOME.indexOf("dropped");

/** An Error with the `code` the socket classes read, as SocketCore throws them. */
const refusal = (code: ErrorCode, message: string) => Object.assign(new Error(message), { code });

/** A message whose codec was still loading too: encoded at the hand-over. */
export class Later {
  constructor(
    readonly message: unknown,
    readonly encode: () => unknown,
  ) {}
}

/** The calls the engine's core takes, as the hand-over makes them. */
export interface Taker {
  readonly state: string;
  start(): void;
  send(data: unknown, bytes: number): number;
  sendAcked(data: unknown, bytes: number): unknown[];
  close(code: number, reason: string): void;
}

/** Told the id a message sent with sendAcked got at the hand-over, or why it got none. */
export type AckedId = (id: number, refusal?: Error) => void;

export class Early {
  state: "idle" | "connecting" | "closed" = "idle";
  #sends: { data: unknown; bytes: number; acked?: AckedId }[] = [];
  #failure: string | undefined;
  #bytes = 0;
  #disposed = false;
  #on: On;
  #limits: OutboxLimits;

  constructor(on: On, limits: OutboxLimits) {
    this.#on = on;
    this.#limits = limits;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  #enter(state: "connecting" | "closed"): void {
    if (this.state === state) return;
    this.state = state;
    this.#on(KIND.STATE, state);
  }

  start(): void {
    if (this.state === "idle") this.#enter("connecting");
  }

  reconnect(): void {
    this.#failure = undefined;
    this.#enter("connecting");
  }

  close(): void {
    this.#enter("closed");
  }

  /** As send(); `acked` learns the message's id once the engine has it. */
  sendAcked(data: unknown, bytes: number, acked: AckedId): [number, number] {
    const outcome = this.send(data, bytes);
    if (outcome === QUEUED) this.#sends[this.#sends.length - 1].acked = acked;
    return [outcome, 0];
  }

  get resumeStats(): undefined {
    return undefined;
  }

  send(data: unknown, bytes: number): number {
    if (this.state === "closed") throw refusal("closed", "the socket is closed; call reconnect() to reopen it");
    if (!(data instanceof Later || typeof data === "string" || isArrayBuffer(data) || ArrayBuffer.isView(data) || isBlob(data))) {
      throw refusal("invalid-data", "send() takes a string, an ArrayBuffer or a typed array");
    }
    // A message whose codec is still loading counts no bytes until encoded.
    const size = Math.max(bytes, 0);
    const { maxMessages, maxBytes, overflow } = this.#limits;
    if (size > maxBytes) throw refusal("too-large", `a ${size}-byte message does not fit in the outbox (${maxBytes} bytes at most)`);
    const fits = () => this.#sends.length < maxMessages && this.#bytes + size <= maxBytes;
    if (overflow === "drop-oldest" && maxMessages > 0) {
      while (!fits() && this.#sends.length > 0) this.#drop(this.#take(), "overflow");
    }
    if (!fits()) {
      if (overflow !== "drop-newest") throw refusal("outbox-full", "the outbox is full");
      this.#drop({ data }, "overflow");
      return DROPPED;
    }
    this.#sends.push({ data, bytes: size });
    this.#bytes += size;
    return QUEUED;
  }

  #take(): { data: unknown; bytes: number } {
    const oldest = this.#sends.shift()!;
    this.#bytes -= oldest.bytes;
    return oldest;
  }

  /** A drop event, as the engine reports one; id 0: it never reached the engine. */
  #drop(message: { data: unknown; acked?: AckedId }, reason: string, error?: Error): void {
    if (reason !== "refused") message.acked?.(0, new SteadySocketError("dropped", `the message was dropped (${reason})`));
    this.#on(KIND.DROP, { id: 0, data: message.data, reason, ...(error && { error }) });
  }

  outbox(): unknown[] {
    return this.#sends.map((o) => o.data);
  }

  drainOutbox(): unknown[] {
    this.#bytes = 0;
    return this.#sends.splice(0).map((o) => o.data);
  }

  get outboxBytes(): number {
    return this.#bytes;
  }

  get outboxLength(): number {
    return this.#sends.length;
  }

  get bufferedAmount(): number {
    return 0;
  }

  get protocol(): string {
    return "";
  }

  get closedReason(): string | undefined {
    return this.state === "closed" ? this.#failure : undefined;
  }

  get closedFailure(): string | undefined {
    return this.closedReason;
  }

  configSnapshot(): never {
    throw new SteadySocketError("loading", "configSnapshot() needs the wasm module, which is still loading: call it once init() has resolved or the socket has connected");
  }

  dispose(): void {
    this.#disposed = true;
    this.#sends = [];
    this.#bytes = 0;
  }

  /** The module cannot load: closed for good with the reason (an error event, then the state). */
  fail(reason: string): void {
    if (this.#disposed) return;
    this.#failure = reason;
    this.#on(KIND.ERROR, { message: reason, kind: "load" });
    this.#enter("closed");
  }

  /** Hands the messages, then the state, to the engine's core. */
  handOver(core: Taker, measure: (data: unknown) => number): void {
    // The engine is idle: every message is queued, in order.
    this.#bytes = 0;
    for (const o of this.#sends.splice(0)) {
      const original = o.data instanceof Later ? o.data.message : o.data;
      try {
        let data = o.data;
        if (data instanceof Later) {
          try {
            data = data.encode();
          } catch (e) {
            throw refusal("encode", `cannot encode the message: ${messageOf(e)}`);
          }
        }
        const bytes = data === o.data ? o.bytes : measure(data);
        if (o.acked) o.acked(core.sendAcked(data, bytes)[1] as number);
        else core.send(data, bytes);
      } catch (e) {
        const error = refusedWith(e, original);
        o.acked?.(0, error);
        this.#drop(o, "refused", error);
      }
    }
    if (this.state === "connecting" && core.state === "idle") core.start();
    else if (this.state === "closed") core.close(1000, "");
  }
}
