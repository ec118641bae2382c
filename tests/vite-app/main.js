// A Vite app's one-line init and a round trip: the package is imported by
// name, as from npm, and Vite bundles the wasm as an asset.
import init, { SteadySocket } from "steadysocket";

await init();
const status = document.getElementById("status");
const socket = new SteadySocket(`ws://${location.host}/echo?test=vite-${Date.now()}`);
socket.send({ from: "vite" });
for await (const message of socket) {
  status.textContent = message.from === "vite" ? "round trip ok" : `unexpected ${JSON.stringify(message)}`;
  break;
}
