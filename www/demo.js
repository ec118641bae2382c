// The demo: a chat room and a ticker over SteadySocket, a timeline of what
// the connection does, and buttons that break the link at the test server.
// No init step: the sockets below are usable at once and start when the
// wasm module has loaded.
import { SteadySocket, version } from "steadysocket";

const $ = (id) => document.getElementById(id);

// ?test=NAME scopes this page's connections and faults (the page tests use it).
const scope = new URLSearchParams(location.search).get("test") ?? "default";
const ws = (path, query = "") => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}?test=${encodeURIComponent(scope)}${query}`;
// The ping is broadcast back by the room like any message: make it valid JSON.
const demoOptions = { initialDelay: 500, maxDelay: 5000, heartbeat: { interval: 3000, timeout: 2000, ping: JSON.stringify({ type: "ping" }) } };

const chat = new SteadySocket(ws("/chat"), demoOptions);
const ticker = new SteadySocket(ws("/ticker", "&interval_ms=1000"), { initialDelay: 500, maxDelay: 5000 });
// version() needs the module: once a socket has connected, it has loaded.
chat.addEventListener("open", () => ($("version").textContent = `v${version()}`), { once: true });

// ----- status and timeline -----
const time = () => new Date().toLocaleTimeString([], { hour12: false }) + "." + String(Date.now() % 1000).padStart(3, "0");
function note(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.innerHTML = `<time>${time()}</time><span></span>`;
  li.lastChild.textContent = text;
  $("timeline").prepend(li);
  while ($("timeline").children.length > 60) $("timeline").lastChild.remove();
}
let reconnects = 0;
let opens = 0;
chat.addEventListener("state", (e) => {
  $("status").dataset.state = e.state;
  $("status").textContent = e.state;
  note(`state ${e.state}`, `state → ${e.state}`);
});
chat.addEventListener("open", () => {
  if (opens++ > 0) $("reconnects").textContent = ++reconnects;
  note("open", "open");
});
chat.addEventListener("close", (e) => note("close", `closed ${e.code}${e.reason ? ` “${e.reason}”` : ""}${e.byClient ? " by the client" : ""}`));
chat.addEventListener("reconnecting", (e) => note("retry", `retry #${e.attempt} in ${(e.delay / 1000).toFixed(2)} s`));
chat.addEventListener("heartbeat", (e) => ($("rtt").textContent = `${e.rtt.toFixed(0)} ms`));
chat.addEventListener("giveup", (e) => note("close", `gave up: ${e.reason}`));
chat.addEventListener("error", (e) => note("error", e.message));
chat.addEventListener("decode-error", (e) => note("error", `bad frame: ${e.error.message}`));
chat.addEventListener("drop", (e) => note("error", `outbox dropped a message (${e.reason})`));

// ----- chat -----
const pending = new Map();
function showOutbox() {
  $("outbox").textContent = chat.outbox.length;
}
function addMessage(message, state) {
  const li = document.createElement("li");
  li.dataset.id = message.id;
  li.className = state;
  li.innerHTML = "<b></b><span></span><em></em>";
  li.children[0].textContent = message.name;
  li.children[1].textContent = message.text;
  li.children[2].textContent = state === "pending" ? "queued" : "";
  $("messages").append(li);
  $("messages").scrollTop = $("messages").scrollHeight;
  return li;
}
(async () => {
  for await (const message of chat) {
    if (message.type !== "chat") continue;
    const mine = pending.get(message.id);
    if (mine) {
      mine.className = "delivered";
      mine.querySelector("em").textContent = "";
      pending.delete(message.id);
    } else addMessage(message, "delivered");
    showOutbox();
  }
  // The loop ended quietly: closed by us or by the server's 1000.
})().catch((err) => note("error", `chat closed for good: ${err.message}`));
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  const message = { type: "chat", id: crypto.randomUUID(), name: $("name").value || "guest", text };
  try {
    const outcome = chat.send(message);
    pending.set(message.id, addMessage(message, outcome === "sent" ? "sent" : "pending"));
    $("text").value = "";
  } catch (err) {
    note("error", `not sent: ${err.message}`);
  }
  showOutbox();
});
chat.addEventListener("state", showOutbox);

// ----- ticker -----
const bars = $("tick-bars");
(async () => {
  for await (const tick of ticker) {
    $("tick").textContent = tick.seq;
    const bar = document.createElement("i");
    bar.style.height = `${8 + ((tick.seq * 7) % 40)}px`;
    bars.append(bar);
    while (bars.children.length > 40) bars.firstChild.remove();
  }
})().catch((err) => note("error", `ticker closed for good: ${err.message}`));

// ----- exactly once: a numbered flood over /echo, with or without resume -----
let flood = null;
function startFlood(resume) {
  if (flood) {
    clearInterval(flood.timer);
    flood.socket.dispose();
  }
  const socket = new SteadySocket(ws("/echo"), { codec: "text", resume, initialDelay: 200, maxDelay: 2000, heartbeat: { interval: 2000, timeout: 1500 } });
  // Lost: numbers never echoed though later ones were (a gap), counted once
  // the echo of a later number shows it.
  const f = { socket, sent: 0, received: 0, highest: 0, lost: 0, duplicated: 0 };
  socket.onMessage((m) => {
    const n = Number(m.slice(1));
    if (!(n > f.highest)) f.duplicated++;
    else {
      f.lost += n - f.highest - 1;
      f.highest = n;
      f.received++;
    }
  });
  f.timer = setInterval(() => {
    try {
      socket.send(`m${f.sent + 1}`);
      f.sent++;
    } catch {
      // a full outbox: skipped, not counted as sent
    }
    const stats = socket.resumeStats;
    $("r-sent").textContent = f.sent;
    $("r-received").textContent = f.received;
    $("r-lost").textContent = f.lost;
    $("r-acked").textContent = stats ? stats.acknowledged : "–";
    $("r-replayed").textContent = stats ? stats.replayed : "–";
    $("r-resumes").textContent = stats ? stats.resumes : "–";
  }, 50);
  socket.addEventListener("resync", () => note("error", "resume: the server lost the session (resync)"));
  flood = f;
  note("fault", `exactly-once flood ${resume ? "with" : "without"} resume`);
}
$("resume").addEventListener("change", (e) => startFlood(e.target.checked));
startFlood($("resume").checked);

// ----- faults -----
async function fault(action, query = "") {
  const res = await fetch(`/control/${action}?test=${encodeURIComponent(scope)}&${query}`, { method: "POST" });
  note("fault", `fault: ${action}${query ? ` ${query}` : ""} (${(await res.json()).affected ?? 0} connections)`);
}
let blackholed = false;
document.querySelectorAll("[data-fault]").forEach((button) =>
  button.addEventListener("click", () => {
    switch (button.dataset.fault) {
      case "drop":
        return fault("drop");
      case "blackhole":
        blackholed = !blackholed;
        button.classList.toggle("on", blackholed);
        return fault("blackhole", `on=${blackholed}`);
      case "refuse":
        return fault("refuse", "ms=5000");
      case "close":
        return fault("close", `code=${$("close-code").value}&reason=demo`);
      case "reset":
        blackholed = false;
        document.querySelector('[data-fault="blackhole"]').classList.remove("on");
        return fault("reset");
    }
  }),
);
$("reconnect").addEventListener("click", () => {
  chat.reconnect();
  ticker.reconnect();
});
