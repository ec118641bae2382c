// The same file as dropin-steadysocket.ts, against partysocket itself:
// `tsc --strict -p tests/types` must accept it with the drop-in. Its body is
// the same as dropin-partysocket.ts, which compiles it against partysocket
// itself; only the import differs (tests/types/same-body.mjs checks that).
import { WebSocket } from "partysocket";
// --- body ---
export function chat(url: string): WebSocket {
  const ws = new WebSocket(url, undefined, {
    maxRetries: 10,
    maxReconnectionDelay: 5000,
    debug: true,
    debugLogger: (...args: any[]) => console.log(...args),
    shouldReconnectOnClose: (event) => event.code !== 4000,
  });
  ws.addEventListener("message", (e) => {
    const text: string = typeof e.data === "string" ? e.data : "";
    console.log(text.length);
  });
  ws.addEventListener("close", (e) => console.log(e.code, e.reason, e.wasClean));
  ws.addEventListener("open", () => console.log(ws.readyState === WebSocket.OPEN));
  ws.onmessage = (e: MessageEvent) => console.log(e.data);
  ws.onclose = (e) => console.log(e.code);
  const sent: boolean = ws.send("hello");
  const queued: unknown[] = ws.drainQueuedMessages();
  const again: boolean = ws.shouldReconnect;
  console.log(sent, queued.length, again, ws.retryCount, ws.bufferedAmount, ws.url, ws.protocol);
  ws.reconnect();
  ws.close(1000, "bye");
  return ws;
}
