// The package's public types that no class declares by itself. The options'
// type is generated from crates/npm/boundary.json (js/generated/boundary.ts).
import type { CoreOptions } from "./generated/boundary.js";

export type { CoreOptions, HeartbeatOptions, ResumeOptions, SendOutcome } from "./generated/boundary.js";

// The declarations name no DOM type, so that they compile in a project
// without the DOM lib (Node's types instead): these stand in for the few the
// API takes.

/** The options of addEventListener, as the platform takes them. */
export interface ListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

/** A listener of one event: a function or an object with handleEvent. */
export type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void } | null;

/** A compiled wasm module: WebAssembly.Module where the project's libs declare it. */
export type CompiledModule = typeof globalThis extends { WebAssembly: { Module: new (...args: any[]) => infer M } } ? M : object;

/** A wasm module's bytes, or the module compiled. */
export type ModuleSource = ArrayBuffer | ArrayBufferView | CompiledModule;

/** The close event: the platform's CloseEvent where the runtime has one, with these fields. */
export type CloseEventLike = Event & { readonly code: number; readonly reason: string; readonly wasClean: boolean };

// `using socket = new SteadySocket(...)`: TypeScript 5.2 and later declare
// Symbol.dispose with the ESNext.Disposable lib, which `using` needs anyway;
// declared here too for projects compiled without it.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** A URL, or a function asked before every attempt (attempt 0 is the first of an episode). */
export type UrlSource = string | URL | ((attempt: number) => string | URL | Promise<string | URL>);

/** A frame as the platform's WebSocket sends it. */
export type FrameData = string | ArrayBuffer | ArrayBufferView;

/** A codec object: MessagePack's (from "steadysocket/msgpack"), or your own. */
export interface CodecObject {
  encode(message: unknown): FrameData;
  decode(data: string | ArrayBuffer): unknown;
}

export type Codec = "json" | "text" | "binary" | CodecObject;

export type State = "idle" | "connecting" | "open" | "closing" | "waiting" | "paused" | "closed";

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
  /** True when this client closed it (a user close, a heartbeat or connect timeout). */
  byClient: boolean;
}

export interface SteadySocketOptions<Out = unknown> extends CoreOptions<Out> {
  /** How messages are encoded. Default: "json". */
  codec?: Codec;
  /** Stay idle until reconnect(). Default: false. */
  startClosed?: boolean;
}

export interface SteadySocketEventMap<In, Out = unknown> {
  open: Event & { protocol: string };
  message: Event & { data: In };
  close: Event & CloseInfo;
  /**
   * `kind` says what failed: "connect-timeout", "socket" (the platform socket
   * reported an error or could not be created), "url" (the URL provider
   * failed), "forbidden" (a URL or port that may never be reached), "refused"
   * (a call was refused), "protocol" (the server broke the resume protocol:
   * the link is closed with 4400 and a new session begins) or "load" (the
   * wasm module could not load); none
   * for a hook that threw. `fatal` is true when the wasm module trapped: the
   * socket is closed for good.
   */
  error: Event & { message: string; kind?: ErrorKind; fatal?: boolean; error?: unknown };
  state: Event & { state: State };
  reconnecting: Event & { attempt: number; delay: number };
  giveup: Event & { reason: string };
  /**
   * A message that will not be sent: pushed out of a full outbox ("overflow"),
   * expired ("expired"), drained, or refused by the engine when a socket built
   * before the wasm module had loaded handed it over ("refused", id 0, with the
   * error), or (resume) sent and never acknowledged by a server that lost the
   * session ("resync"; it is not sent again).
   */
  drop: Event & { id: number; data: Out; reason: "overflow" | "expired" | "drained" | "refused" | "resync"; error?: Error };
  "decode-error": Event & { error: Error; kind: string; preview: string };
  heartbeat: Event & { rtt: number };
  /**
   * Resume: the server no longer had the session, so a new one began. Every
   * message it had not acknowledged was reported as a drop (reason
   * "resync") just before; reload the application's state here. The
   * handshake messages go again.
   */
  resync: Event;
}

/** The resume session's counters (`resumeStats`). */
export interface ResumeStats {
  /** Messages sent for the first time. */
  sent: number;
  /** Of those, how many the server acknowledged. */
  acknowledged: number;
  /** Messages sent again after a resume. */
  replayed: number;
  /** Sessions lost (resync events). */
  resyncs: number;
  /** Messages received. */
  received: number;
  /** Successful resumes. */
  resumes: number;
  /** Messages sent and not yet acknowledged. */
  unacked: number;
  /** Whether the current link speaks the protocol (false before the first welcome, and with a server that does not). */
  live: boolean;
}

/** Subprotocols, or a function (sync or async) asked before every attempt. */
export type ProtocolsProvider =
  | null
  | undefined
  | string
  | string[]
  | (() => string | string[] | null | undefined | Promise<string | string[] | null | undefined>);

/** partysocket 1.x's options; any other option (PartySocket's own) is accepted and ignored. */
export interface ReconnectingWebSocketOptions {
  WebSocket?: any;
  /** Milliseconds; the first retry's delay ceiling: it waits between half of this and all of it (default 3000, capped at the maximum when only that is given). */
  minReconnectionDelay?: number;
  /** Milliseconds; the largest delay (default 10000). */
  maxReconnectionDelay?: number;
  /** Default 1.3. */
  reconnectionDelayGrowFactor?: number;
  /** Milliseconds a connection must stay up to reset the retry count (default 5000). */
  minUptime?: number;
  /** Milliseconds per attempt (default 4000). */
  connectionTimeout?: number;
  /** Default Infinity. */
  maxRetries?: number;
  /** Default Infinity; a send beyond it is dropped (a drop event says so). */
  maxEnqueuedMessages?: number;
  startClosed?: boolean;
  /** Reconnect after this close? Default: always (but after close()). */
  shouldReconnectOnClose?: (event: Event & { code: number; reason: string; wasClean: boolean }) => boolean;
  debug?: boolean;
  /** Where debug lines go (default console.log), each starting with "RWS>". */
  debugLogger?: (...args: any[]) => void;
  /** true: SteadySocket's table of close codes decides instead (1008 stops, ...). */
  closeCodeTable?: boolean;
  [option: string]: unknown;
}

/** What an error event is about. */
export type ErrorKind = "connect-timeout" | "socket" | "url" | "forbidden" | "refused" | "protocol" | "load";

/** The error codes a SteadySocketError carries. */
export type ErrorCode = "closed" | "disposed" | "unusable" | "outbox-full" | "too-large" | "encode" | "busy" | "invalid-data" | "unreadable" | "load" | "loading" | "dropped" | "no-resume" | "error";
