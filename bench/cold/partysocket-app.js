// The same page with partysocket, for comparison (bundled by scripts/bench.sh).
import { WebSocket as PartySocket } from "partysocket";

const p = document.createElement("p");
p.textContent = "A page that connects on load.";
document.body.append(p);
const socket = new PartySocket(`ws://${location.host}/echo`);
socket.addEventListener("open", () => (window.__open = performance.now()), { once: true });
