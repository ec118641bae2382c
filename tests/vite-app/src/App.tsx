// A chat room over useSteadySocket, as the package README shows it: no init
// line, typed messages, the state in the UI, a room switch (the `key` option)
// and a way to leave (unmount).
import { useEffect, useState } from "react";
import { useSteadySocket } from "steadysocket/react";

type Chat = { room: string; text: string };

// ?test=NAME scopes the connections at the test server.
const scope = new URLSearchParams(location.search).get("test") ?? "vite";
const url = `ws://${location.host}/echo?test=${encodeURIComponent(scope)}`;

declare global {
  interface Window {
    mounts: number;
  }
}
window.mounts = 0;

function Room() {
  const [room, setRoom] = useState("lobby");
  const { state, send, lastMessage, subscribe } = useSteadySocket<Chat, Chat>(url, { key: room, initialDelay: 100, maxDelay: 400 });
  const [count, setCount] = useState(0);
  useEffect(() => subscribe(() => setCount((n) => n + 1)), [subscribe]);
  // Counts mounts: StrictMode's development build mounts twice.
  useEffect(() => {
    window.mounts++;
  }, []);
  return (
    <section>
      <p>
        state: <span id="state">{state}</span>, room: <span id="room">{room}</span>, received: <span id="count">{count}</span>
      </p>
      <p id="last">{lastMessage ? `${lastMessage.room}: ${lastMessage.text}` : "nothing yet"}</p>
      <button id="send" onClick={() => send({ room, text: `hello ${count}` })}>
        send
      </button>
      <button id="switch" onClick={() => setRoom("kitchen")}>
        switch room
      </button>
    </section>
  );
}

export function App() {
  const [inside, setInside] = useState(true);
  return (
    <main>
      <h1 id="title">steadysocket in React</h1>
      <button id="leave" onClick={() => setInside(false)}>
        leave
      </button>
      {inside ? <Room /> : <p id="left">left</p>}
    </main>
  );
}

// Wrong uses the types reject (tsc --strict compiles this file).
export function typeChecks(send: (message: Chat) => unknown) {
  // @ts-expect-error: a Chat needs a room and a text
  send({ text: "no room" });
}
