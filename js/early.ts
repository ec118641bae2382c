// A socket's core before its wasm module has loaded (browsers and bundlers,
// where loading is a fetch): the socket is usable at once. Its options were
// checked already; what is asked of it meanwhile (start, send, close,
// reconnect) is written down in order and handed to the engine, in that
// order, once the module is ready. Until then it reads as the engine would
// right after those calls: "idle", "connecting" or "closed", every message
// queued. Events come from the engine, after the hand-over; a send the
// engine then refuses is reported as a drop event (reason "refused"). If the
// module cannot load, the socket closes for good with that reason, and the
// messages stay in its outbox.
import { KIND, SteadySocketError } from "./events.js";
import { SEND_OUTCOME } from "./generated/boundary.js";
import type { On } from "./frames.js";
import type { ErrorCode } from "./types.js";

const QUEUED = SEND_OUTCOME.indexOf("queued");

/** A message whose codec was still loading too: encoded at the hand-over. */
export class Later {
  constructor(
    readonly message: unknown,
    readonly encode: () => unknown,
  ) {}
}

type Op =
  | { op: "start" }
  | { op: "send"; data: unknown; bytes: number }
  | { op: "close"; code: number; reason: string }
  | { op: "reconnect" };

/** The calls the engine's core takes, as the hand-over makes them. */
export interface Taker {
  readonly state: string;
  start(): void;
  send(data: unknown, bytes: number): number;
  close(code: number, reason: string): void;
  reconnect(): void;
}

export class Early {
  state: "idle" | "connecting" | "closed" = "idle";
  #ops: Op[] = [];
  #failure: string | undefined;
  #disposed = false;

  get disposed(): boolean {
    return this.#disposed;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.state = "connecting";
    this.#ops.push({ op: "start" });
  }

  send(data: unknown, bytes: number): number {
    if (this.state === "closed") {
      throw Object.assign(new Error("the socket is closed; call reconnect() to reopen it"), { code: "closed" });
    }
    this.#ops.push({ op: "send", data, bytes });
    return QUEUED;
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.#ops.push({ op: "close", code, reason });
  }

  reconnect(): void {
    this.state = "connecting";
    this.#failure = undefined;
    this.#ops.push({ op: "reconnect" });
  }

  #queued(): (Op & { op: "send" })[] {
    return this.#ops.filter((o): o is Op & { op: "send" } => o.op === "send");
  }

  outbox(): unknown[] {
    return this.#queued().map((o) => o.data);
  }

  drainOutbox(): unknown[] {
    const taken = this.outbox();
    this.#ops = this.#ops.filter((o) => o.op !== "send");
    return taken;
  }

  get outboxBytes(): number {
    return this.#queued().reduce((sum, o) => sum + Math.max(o.bytes, 0), 0);
  }

  get outboxLength(): number {
    return this.#queued().length;
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
    this.#ops = [];
  }

  /** The module cannot load: closed for good with the reason (an error event, then the state). */
  fail(reason: string, on: On): void {
    if (this.#disposed) return;
    this.#failure = reason;
    this.state = "closed";
    on(KIND.ERROR, reason);
    on(KIND.STATE, "closed");
  }

  /** Hands the calls over to the engine's core, in order. */
  handOver(core: Taker, on: On, measure: (data: unknown) => number): void {
    const ops = this.#ops;
    this.#ops = [];
    for (const o of ops) {
      switch (o.op) {
        case "start":
          if (core.state === "idle") core.start();
          break;
        case "close":
          core.close(o.code, o.reason);
          break;
        case "reconnect":
          core.reconnect();
          break;
        case "send": {
          const original = o.data instanceof Later ? o.data.message : o.data;
          try {
            let data = o.data;
            if (data instanceof Later) {
              try {
                data = data.encode();
              } catch (e) {
                throw Object.assign(new Error(`cannot encode the message: ${(e as Error)?.message ?? e}`), { code: "encode" });
              }
            }
            core.send(data, data === o.data ? o.bytes : measure(data));
          } catch (e) {
            const error = new SteadySocketError((e as { code?: ErrorCode }).code ?? "error", String((e as Error)?.message ?? e), original);
            on(KIND.DROP, { id: 0, data: o.data, reason: "refused", error });
          }
        }
      }
    }
  }
}
