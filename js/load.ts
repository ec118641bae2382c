// Loading the package's wasm modules without an init step.
//
// A module is loaded the first time something needs it, by the best means the
// environment has, chosen by what it can do rather than by its name:
//  - a compiled module handed over by a runtime's own entry (workerd and Deno
//    import the .wasm file statically: see js/workerd.ts and js/deno.js);
//  - bytes read synchronously from a file: URL where the runtime can read
//    files (Node, Bun, Deno given --allow-read, test runners in Node);
//  - else a fetch of the file next to the glue (browsers, bundlers), which is
//    asynchronous: sockets built meanwhile wait for it (js/early.ts).
// init() and initSync() remain as optional preloads. Importing loads nothing.
import { messageOf, SteadySocketError } from "./events.js";

/** Where a codec object keeps its own wasm module (MessagePack's), if it has one. */
export const LOADER: unique symbol = Symbol("steadysocket.loader");

/** What wasm-bindgen's glue of one module offers. */
export interface Glue {
  init(input?: unknown): Promise<unknown>;
  initSync(module: unknown): unknown;
}

type Fs = { readFileSync(path: URL): Uint8Array };

/** The runtime's file reader, where it has one. */
function fileReader(): Fs["readFileSync"] | null {
  const process = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const fs = typeof process?.getBuiltinModule === "function" ? (process.getBuiltinModule("node:fs") as Fs | undefined) : undefined;
  if (fs && typeof fs.readFileSync === "function") return (path) => fs.readFileSync(path);
  const deno = (globalThis as { Deno?: { readFileSync?: (path: URL) => Uint8Array } }).Deno;
  if (typeof deno?.readFileSync === "function") return (path) => deno.readFileSync!(path);
  return null;
}

/** One of the package's wasm modules and how far it has loaded. */
export class WasmModule {
  readonly #name: string;
  readonly #glue: Glue;
  // Where the .wasm file is, relative to this file (dist/): kept out of a
  // `new URL("literal", import.meta.url)` expression so that bundlers do not
  // emit the file twice (the glue's own expression is the one they follow).
  readonly #file: string;
  #given: WebAssembly.Module | null = null;
  #ready = false;
  #loading: Promise<void> | null = null;

  constructor(name: string, file: string, glue: Glue) {
    this.#name = name;
    this.#file = file;
    this.#glue = glue;
  }

  /** A runtime's entry hands over the module it imported statically; nothing runs yet. */
  provide(module: WebAssembly.Module): void {
    this.#given ??= module;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Loads the module now if this environment can do it synchronously: true
   * once it is loaded, false when only load() can. Throws a SteadySocketError
   * ("load") when the synchronous way exists and fails.
   */
  loadSync(): boolean {
    if (this.#ready) return true;
    if (this.#given) {
      this.initSync({ module: this.#given });
      return true;
    }
    const url = new URL(this.#file, import.meta.url);
    if (url.protocol !== "file:") return false;
    const read = fileReader();
    if (read === null) return false;
    let bytes: Uint8Array;
    try {
      bytes = read(url);
    } catch (e) {
      const deno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
      const hint = deno ? ` (Deno: import the package by its name, which needs no permission, or allow reading it: --allow-read=${url.pathname})` : "";
      throw new SteadySocketError("load", `cannot read the ${this.#name} wasm module at ${url.pathname}: ${messageOf(e)}${hint}`);
    }
    try {
      this.initSync({ module: bytes });
    } catch (e) {
      throw new SteadySocketError("load", `cannot instantiate the ${this.#name} wasm module: ${messageOf(e)}`);
    }
    return true;
  }

  /** Loads the module by the best means there is; rejects with a SteadySocketError ("load"). */
  load(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    if (this.#loading) return this.#loading;
    let loading: Promise<void>;
    try {
      loading = this.loadSync() ? Promise.resolve() : this.#fetch();
    } catch (e) {
      loading = Promise.reject(e);
    }
    // A failed load may be tried again (the network may come back).
    this.#loading = loading.catch((e) => {
      this.#loading = null;
      throw e;
    });
    return this.#loading;
  }

  /** The public init(): a preload from the glue's default URL or the input given. */
  init(input?: unknown): Promise<void> {
    if (input === undefined) return this.load();
    return this.#watch(() => this.#glue.init(input));
  }

  /** The public initSync(): bytes or a compiled module. */
  initSync(module: unknown): void {
    if (this.#ready) return;
    this.#glue.initSync(module);
    this.#ready = true;
  }

  #fetch(): Promise<void> {
    return this.#watch(() => this.#glue.init());
  }

  // Runs an asynchronous instantiation, telling a Content-Security-Policy
  // refusal from other failures by the violation event the browser fires
  // (blocked URI "wasm-eval"), not by the error's text, which varies.
  async #watch(instantiate: () => Promise<unknown>): Promise<void> {
    const scope = globalThis as { addEventListener?: EventTarget["addEventListener"]; removeEventListener?: EventTarget["removeEventListener"] };
    let refused = false;
    const watcher = (event: Event) => {
      if ((event as { blockedURI?: string }).blockedURI === "wasm-eval") refused = true;
    };
    const watching = typeof scope.addEventListener === "function";
    if (watching) scope.addEventListener!("securitypolicyviolation", watcher);
    try {
      await instantiate();
      this.#ready = true;
    } catch (e) {
      // The violation event is queued as a task of its own: let it arrive.
      if (watching) await new Promise((resolve) => setTimeout(resolve, 0));
      if (refused) {
        throw new SteadySocketError(
          "load",
          `the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src directive (the ${this.#name} module could not be compiled)`,
        );
      }
      throw new SteadySocketError("load", `cannot load the ${this.#name} wasm module: ${messageOf(e)}`);
    } finally {
      if (watching) scope.removeEventListener!("securitypolicyviolation", watcher);
    }
  }
}
