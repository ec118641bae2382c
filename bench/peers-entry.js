// Bundled by scripts/bench.sh into bench/page/peers.js (for comparison only).
export { WebSocket as PartySocket } from "partysocket";
export { default as RWS } from "reconnecting-websocket";
