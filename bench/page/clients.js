// The clients compared, each behind one shape: open(url) -> { send(m), onMessage(cb), close() }.
// Every client sends and receives the same JSON messages.
import { SteadySocket } from "steadysocket";
import { PartySocket, RWS } from "./peers.js";

function wrapPlatformLike(ws, parse = true) {
  let cb = () => {};
  ws.addEventListener("message", (e) => cb(parse ? JSON.parse(e.data) : e.data));
  return {
    ready: new Promise((r) => ws.addEventListener("open", r, { once: true })),
    send: (m) => ws.send(typeof m === "string" || m instanceof ArrayBuffer ? m : JSON.stringify(m)),
    onMessage: (f) => (cb = f),
    close: () => ws.close(),
  };
}

/** SteadySocket (or an older build's class, for scripts/bench-baseline.sh) behind the clients' shape. */
export function steady(url, opts, listen, Socket = SteadySocket) {
  const s = new Socket(url, {
    codec: opts.binary ? "binary" : "json",
    ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
    maxEnqueuedBytes: 64 << 20,
    highWatermark: 64 << 20,
    lowWatermark: 32 << 20,
  });
  let cb = () => {};
  listen(s, (m) => cb(m));
  return { ready: s.opened(), send: (m) => s.send(m), onMessage: (f) => (cb = f), close: () => s.dispose() };
}

export const clients = {
  raw: (url, opts = {}) => {
    const ws = new (opts.WebSocket ?? WebSocket)(url);
    ws.binaryType = "arraybuffer";
    return wrapPlatformLike(ws, !opts.binary);
  },
  // SteadySocket with its cheapest receive API, onMessage (no event object).
  steadysocket: (url, opts = {}) => steady(url, opts, (s, deliver) => s.onMessage(deliver)),
  // The same with an EventTarget "message" listener.
  "steadysocket-events": (url, opts = {}) => steady(url, opts, (s, deliver) => s.addEventListener("message", (e) => deliver(e.data))),
  partysocket: (url, opts = {}) => {
    const ws = new PartySocket(url, [], opts.WebSocket ? { WebSocket: opts.WebSocket } : {});
    ws.binaryType = "arraybuffer";
    return wrapPlatformLike(ws, !opts.binary);
  },
  "reconnecting-websocket": (url, opts = {}) => {
    const ws = new RWS(url, [], opts.WebSocket ? { WebSocket: opts.WebSocket } : {});
    ws.binaryType = "arraybuffer";
    return wrapPlatformLike(ws, !opts.binary);
  },
};
