// Types of the steadysocket npm package.

/** Initialises the wasm module from a URL, a Response or bytes (browsers, Vite). */
export default function init(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<unknown>;
export { init };
/** Initialises the wasm module synchronously from bytes or a compiled module (Node, Deno, Bun, workers). */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
/** The package's version. */
export function version(): string;
/**
 * What every socket of the module holds right now (platform sockets,
 * listeners, timers) and how many pieces of work the library had to drop
 * (0 unless it has a bug).
 */
export function diagnostics(): { sockets: number; listeners: number; timers: number; dropped: number };

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** A URL, or a function asked before every attempt (attempt 0 is the first of an episode). */
export type UrlSource = string | URL | ((attempt: number) => string | URL | Promise<string | URL>);

/** A codec object: MessagePack's (from "steadysocket/msgpack"), or your own. */
export interface CodecObject {
  encode(message: unknown): string | ArrayBuffer | ArrayBufferView;
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

export interface HeartbeatOptions {
  /** Milliseconds between pings (default 25000). */
  interval?: number;
  /** Milliseconds a ping may go unanswered (default 10000). */
  timeout?: number;
  /** The ping frame (default "ping"). */
  ping?: string;
  /** The exact pong frame; by default any inbound frame proves the link alive. */
  pong?: string;
}

export interface SteadySocketOptions<Out> {
  /** How messages are encoded (default "json"). */
  codec?: Codec;
  protocols?: string | string[];
  /** A WebSocket constructor to use instead of the global one (the `ws` package on Node 20). */
  WebSocket?: unknown;
  /** Milliseconds; the first retry's delay (default 2000). */
  initialDelay?: number;
  /** Milliseconds; the largest delay (default 30000). */
  maxDelay?: number;
  /** Delay growth per attempt (default 1.6). */
  delayGrowFactor?: number;
  /** Default "decorrelated"; a number x is gRPC-style ±x. */
  jitter?: "none" | "full" | "equal" | "decorrelated" | number;
  /** Retries before giving up (default Infinity). */
  maxRetries?: number;
  /** Milliseconds an episode of failures may last before giving up. */
  retryBudget?: number;
  /** Milliseconds a connection must stay up to reset the retry counter (default 5000). */
  minUptime?: number;
  /** Milliseconds per attempt (default 10000). */
  connectionTimeout?: number;
  /** [min, max] milliseconds after close 1012 or 1013 (default [5000, 30000]). */
  restartDelay?: [number, number];
  /** Whether the very first connection is retried (default true). */
  retryFirstConnect?: boolean;
  /** Outbox bound in messages while the link is down (default 1000). */
  maxEnqueuedMessages?: number;
  /** Outbox bound in bytes while the link is down (default 1 MiB, at most 1 GiB). */
  maxEnqueuedBytes?: number;
  /** Bytes held back by backpressure while the socket is open (default 16 MiB, at most 1 GiB). */
  maxHeldBytes?: number;
  /** What a full outbox does (default "reject": send() throws). */
  overflow?: "reject" | "drop-oldest" | "drop-newest";
  /** Milliseconds a queued message may wait before it expires (reported). */
  messageTtl?: number;
  /** Application-level pings; off by default. */
  heartbeat?: boolean | HeartbeatOptions;
  /** Milliseconds close() waits for the server (default 3000). */
  closeTimeout?: number;
  /** Close after the page has been hidden this many milliseconds; reconnect when visible. */
  hiddenTimeout?: number;
  /** Hold sends above this many buffered bytes (default 1 MiB). */
  highWatermark?: number;
  /** Release them at this many (default 256 KiB). */
  lowWatermark?: number;
  /** Largest inbound message in bytes (default 16 MiB). */
  maxMessageSize?: number;
  /** Reconnect (true) or stop (false) after a close; undefined keeps the default table. */
  shouldReconnect?: (close: CloseInfo) => boolean | undefined;
  /** Messages sent first on every open, before the outbox is flushed. */
  handshake?: () => Out | Out[] | undefined;
  /** Stay idle until reconnect() (default false). */
  startClosed?: boolean;
}

export class SteadySocketError extends Error {
  readonly code: "closed" | "disposed" | "unusable" | "outbox-full" | "too-large" | "encode" | "busy" | "invalid-data" | "unreadable" | string;
  readonly data?: unknown;
}

export interface SteadySocketEventMap<In> {
  open: Event & { protocol: string };
  message: Event & { data: In };
  close: Event & CloseInfo;
  /** `fatal` is true when the wasm module trapped: the socket is closed for good. */
  error: Event & { message: string; fatal?: boolean; error?: unknown };
  state: Event & { state: State };
  reconnecting: Event & { attempt: number; delay: number };
  giveup: Event & { reason: string };
  drop: Event & { id: number; data: unknown; reason: "overflow" | "expired" | "drained" };
  "decode-error": Event & { error: Error; kind: string; preview: string };
  heartbeat: Event & { rtt: number };
}

/** A reconnecting WebSocket carrying typed messages: In received, Out sent. */
export class SteadySocket<In = unknown, Out = In> extends EventTarget implements AsyncIterable<In> {
  constructor(url: UrlSource, options?: SteadySocketOptions<Out>);
  readonly state: State;
  readonly protocol: string;
  readonly bufferedAmount: number;
  readonly outbox: unknown[];
  drainOutbox(): unknown[];
  /** "sent", "queued", or "dropped" (drop-newest); throws SteadySocketError when refused. */
  send(message: Out): "sent" | "queued" | "dropped";
  /** Calls back with every decoded message, with no event object: the cheapest way to receive. Returns an unsubscribe function. */
  onMessage(callback: (message: In) => void): () => void;
  opened(): Promise<void>;
  /** What the options became: the engine's configuration under the option names, in milliseconds and bytes, defaults filled in. */
  configSnapshot(): Record<string, unknown>;
  close(code?: number, reason?: string): Promise<void>;
  reconnect(): void;
  dispose(): void;
  [Symbol.asyncIterator](): AsyncIterator<In>;
  addEventListener<K extends keyof SteadySocketEventMap<In>>(
    type: K,
    listener: (event: SteadySocketEventMap<In>[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

export interface ReconnectingWebSocketOptions {
  WebSocket?: unknown;
  minReconnectionDelay?: number;
  maxReconnectionDelay?: number;
  reconnectionDelayGrowFactor?: number;
  minUptime?: number;
  connectionTimeout?: number;
  maxRetries?: number;
  maxEnqueuedMessages?: number;
  startClosed?: boolean;
  debug?: boolean;
}

/** A drop-in for reconnecting-websocket / partysocket's class. */
export class ReconnectingWebSocket extends EventTarget {
  constructor(url: UrlSource, protocols?: string | string[], options?: ReconnectingWebSocketOptions);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  readonly readyState: 0 | 1 | 2 | 3;
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  binaryType: "blob" | "arraybuffer";
  readonly bufferedAmount: number;
  readonly retryCount: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: Event & { code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror: ((event: Event & { message: string }) => void) | null;
  onmessage: ((event: Event & { data: string | ArrayBuffer | Blob }) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  reconnect(): void;
  dispose(): void;
}

export class SteadyEvent extends Event {
  constructor(type: string, fields?: object);
}
