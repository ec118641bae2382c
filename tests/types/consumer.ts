// A TypeScript consumer of the package: `tsc --noEmit -p tests/types` must
// accept it. The @ts-expect-error lines prove that wrong types are rejected.
import init, { ReconnectingWebSocket, SteadySocket, SteadySocketError, type CloseInfo } from "steadysocket";
import { initMsgpack, msgpack } from "steadysocket/msgpack";

type ServerMessage = { type: "chat"; text: string } | { type: "joined"; name: string };
type ClientMessage = { type: "say"; text: string };

export async function main(): Promise<void> {
  await init();
  const socket = new SteadySocket<ServerMessage, ClientMessage>("wss://example.com/chat", {
    codec: "json",
    initialDelay: 1000,
    jitter: "decorrelated",
    maxRetries: 10,
    heartbeat: { interval: 20_000, timeout: 5_000 },
    overflow: "drop-oldest",
    shouldReconnect: (close: CloseInfo) => close.code !== 4401,
    handshake: () => ({ type: "say", text: "hello" }),
  });

  const outcome: "sent" | "queued" | "dropped" = socket.send({ type: "say", text: "hi" });
  void outcome;
  // @ts-expect-error: a ServerMessage is not a ClientMessage
  socket.send({ type: "chat", text: "wrong direction" });
  // @ts-expect-error: not a message at all
  socket.send(42);

  socket.addEventListener("reconnecting", (e) => {
    const delay: number = e.delay;
    void delay;
  });
  socket.addEventListener("message", (e) => {
    const m: ServerMessage = e.data;
    void m;
  });

  for await (const message of socket) {
    if (message.type === "chat") {
      const text: string = message.text;
      void text;
    }
  }

  try {
    socket.send({ type: "say", text: "late" });
  } catch (e) {
    if (e instanceof SteadySocketError && e.code === "closed") socket.reconnect();
  }
  await socket.close(1000, "bye");

  await initMsgpack();
  new SteadySocket<{ seq: number }>("wss://x", { codec: msgpack });

  // @ts-expect-error: jitter takes a strategy name or a proportion
  new SteadySocket("wss://x", { jitter: "lots" });

  const rws = new ReconnectingWebSocket("wss://example.com", [], { maxRetries: 3, startClosed: true });
  rws.onmessage = (e) => console.log(e.data);
  const open: boolean = rws.readyState === ReconnectingWebSocket.OPEN;
  void open;
  rws.reconnect();
}
