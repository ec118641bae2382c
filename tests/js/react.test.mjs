// What is tested here, in Node: useSteadySocket under server rendering. The
// component renders with the hook's server view ("idle", no message), and no
// socket is created: no WebSocket constructed, none in wasm, no timer left.
// The hook in a browser (StrictMode, unmount, a key change) is tested in
// Chromium by tests/pages/vite.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { useSteadySocket } from "../../dist/react.js";
import { diagnostics } from "../../dist/index.js";

test("server rendering with useSteadySocket renders the idle view and creates no socket", () => {
  let constructed = 0;
  class CountingWebSocket {
    constructor() {
      constructed++;
    }
  }
  const before = diagnostics().sockets;
  let sent;
  function Chat() {
    const { state, lastMessage, send, socket } = useSteadySocket("ws://127.0.0.1:9/chat", { WebSocket: CountingWebSocket, key: "room" });
    sent = send({ text: "from the server render" });
    return createElement("p", null, `state=${state} last=${lastMessage ?? "none"} socket=${socket === null ? "none" : "some"}`);
  }
  const html = renderToString(createElement(Chat));
  assert.equal(html, "<p>state=idle last=none socket=none</p>");
  assert.equal(sent, "queued", "a send during render waits for a socket that will never exist here");
  assert.equal(constructed, 0, "no WebSocket was constructed");
  assert.equal(diagnostics().sockets, before, "no socket was created in wasm");
});
