// The package under Vitest, in its node environment and in jsdom (a test
// file per environment is the usual setup; this one runs in both, see
// vitest.config.js): no init line, a socket built and used at once, a round
// trip through the test server (STEADYSOCKET_TEST_SERVER). Under jsdom the
// socket is the ws package's: jsdom's own WebSocket fires no events in this
// environment (a plain `new WebSocket(url)` never opens either).
import { expect, test } from "vitest";
import { SteadySocket } from "steadysocket";
import { msgpack } from "steadysocket/msgpack";
import { WebSocket as WsWebSocket } from "ws";

const server = process.env.STEADYSOCKET_TEST_SERVER;

// "msgpack+engine": with an exact pong, every frame goes through the engine
// (wasm) rather than straight to the JS API.
test.each([["json"], ["msgpack"], ["msgpack+engine"]])("a %s round trip with no init call", async (codec) => {
  const environment = typeof document === "undefined" ? "node" : "jsdom";
  const socket = new SteadySocket<{ n: number; environment: string }>(`ws://${server}/echo?test=vitest-${environment}-${codec}-${Date.now()}`, {
    codec: codec.startsWith("msgpack") ? msgpack : "json",
    ...(codec.endsWith("+engine") ? { heartbeat: { interval: 60_000, pong: "pong" } } : {}),
    ...(environment === "jsdom" ? { WebSocket: WsWebSocket } : {}),
  });
  expect(socket.send({ n: 1, environment })).toBe("queued");
  for await (const message of socket) {
    expect(message).toEqual({ n: 1, environment });
    break;
  }
  socket.dispose();
});
