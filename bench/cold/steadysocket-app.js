// The cold-start page's app with steadysocket: renders text and connects at
// module top level, as an app would: no init step (the socket starts once
// the wasm module has loaded; the text renders without waiting for it).
// Bundled by scripts/bench.sh into bench/page/cold/; the wasm sits beside it.
import { SteadySocket } from "../../dist/index.js";

const p = document.createElement("p");
p.textContent = "A page that connects on load.";
document.body.append(p);
const socket = new SteadySocket(`ws://${location.host}/echo`, { codec: "text" });
socket.addEventListener("open", () => (window.__open = performance.now()), { once: true });
