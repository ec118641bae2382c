// steadysocket/react: a SteadySocket for a React component.
//
//   const { state, send, lastMessage, subscribe } = useSteadySocket<In, Out>(url, options);
//
// The socket lives in an effect: none is created while rendering (nor on the
// server), the one of a component that unmounts is disposed, and under
// StrictMode's mount, unmount, mount the first socket is disposed before it
// ever connects, so one connection is left. It is replaced only when the URL
// or the `key` option changes, and its queued messages go to the new one.
// The state and the last message reach React through useSyncExternalStore.
import { useEffect, useState, useSyncExternalStore } from "react";
import { reportError, SteadyEvent } from "./events.js";
import { SteadySocket } from "./socket.js";
import type { SendOutcome, State, SteadySocketOptions, UrlSource } from "./types.js";

export interface UseSteadySocketOptions<Out> extends SteadySocketOptions<Out> {
  /**
   * Changing it replaces the socket (a room or user id, say), as a change of
   * URL does; the queued messages go to the new socket. Every other option is
   * read when a socket is created.
   */
  key?: string | number;
}

export interface SteadySocketHook<In, Out> {
  /** The socket's state; "idle" before the first effect and on the server. */
  state: State;
  /** The last message received, or undefined. */
  lastMessage: In | undefined;
  /**
   * Sends or queues, as SteadySocket.send; before the socket exists (the first
   * render) the message waits for it and "queued" is returned. Stable across renders.
   */
  send(message: Out): SendOutcome;
  /** Calls `callback` with every message received (no render per message); returns a function that stops it. Stable. */
  subscribe(callback: (message: In) => void): () => void;
  /** The socket itself (null before the first effect): for events and the rest of its API. */
  socket: SteadySocket<In, Out> | null;
}

type View<In, Out> = { state: State; lastMessage: In | undefined; socket: SteadySocket<In, Out> | null };

// The one view of a component with no socket (on the server, before the first effect).
const SERVER_VIEW: View<any, any> = Object.freeze({ state: "idle", lastMessage: undefined, socket: null });
const serverView = () => SERVER_VIEW;

/** One component's connection: the socket of the moment and what React reads of it. */
class Connection<In, Out> {
  socket: SteadySocket<In, Out> | null = null;
  #view: View<In, Out> = SERVER_VIEW;
  // Messages sent while no socket was there, or left queued in a replaced one.
  #carried: Out[] = [];
  #watchers = new Set<() => void>();
  #callbacks = new Set<(message: In) => void>();

  readonly watch = (onChange: () => void): (() => void) => {
    this.#watchers.add(onChange);
    return () => this.#watchers.delete(onChange);
  };

  readonly view = (): View<In, Out> => this.#view;

  readonly send = (message: Out): SendOutcome => {
    if (this.socket) return this.socket.send(message);
    this.#carried.push(message);
    return "queued";
  };

  readonly subscribe = (callback: (message: In) => void): (() => void) => {
    if (typeof callback !== "function") throw new TypeError("subscribe takes a function");
    const entry = (m: In) => callback(m);
    this.#callbacks.add(entry);
    return () => this.#callbacks.delete(entry);
  };

  open(url: UrlSource, options: SteadySocketOptions<Out>): void {
    const socket = new SteadySocket<In, Out>(url, options);
    this.socket = socket;
    socket.addEventListener("state", (e) => {
      if (this.socket === socket) this.#set({ ...this.#view, state: e.state });
    });
    socket.onMessage((message) => {
      if (this.socket !== socket) return;
      this.#set({ ...this.#view, lastMessage: message });
      for (const callback of [...this.#callbacks]) {
        try {
          callback(message);
        } catch (e) {
          reportError(e);
        }
      }
    });
    for (const message of this.#carried.splice(0)) {
      try {
        socket.send(message);
      } catch (error) {
        // Refused by the new socket (its outbox is full): said, not lost silently.
        socket.dispatchEvent(new SteadyEvent("drop", { id: 0, data: message, reason: "refused", error }));
      }
    }
    this.#set({ ...this.#view, state: socket.state, socket });
  }

  close(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    this.#carried.push(...socket.drainOutbox());
    socket.dispose();
    this.#set({ ...this.#view, state: "idle", socket: null });
  }

  #set(view: View<In, Out>): void {
    const now = this.#view;
    if (view.state === now.state && view.lastMessage === now.lastMessage && view.socket === now.socket) return;
    this.#view = view;
    for (const watcher of [...this.#watchers]) watcher();
  }
}

/** A key for the URL: a string or URL by its text, a function by its identity (memoise it). */
const urlKey = (url: UrlSource): unknown => (typeof url === "function" ? url : String(url));

/**
 * A SteadySocket for this component: created after mount, disposed on
 * unmount, replaced when `url` or `options.key` changes (its queued
 * messages carried over). Other options are read when it is created.
 */
export function useSteadySocket<In = unknown, Out = In>(url: UrlSource, options: UseSteadySocketOptions<Out> = {}): SteadySocketHook<In, Out> {
  const [connection] = useState(() => new Connection<In, Out>());
  const view = useSyncExternalStore(connection.watch, connection.view, serverView);
  const { key, ...socketOptions } = options;
  useEffect(() => {
    connection.open(url, socketOptions);
    return () => connection.close();
    // The socket is replaced for a new URL or key only, by design.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [connection, urlKey(url), key]);
  return { state: view.state, lastMessage: view.lastMessage, socket: view.socket, send: connection.send, subscribe: connection.subscribe };
}
