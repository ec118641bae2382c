// The edge smoke test inside a Cloudflare worker. workerd cannot compile wasm
// from bytes: the module is embedded and handed to initSync.
import wasm from "./pkg/steadysocket_bg.wasm";
import { diagnostics, initSync, SteadySocket } from "./js/index.js";
import { smoke } from "./smoke.mjs";

let ready = false;

export default {
  async fetch(request, env) {
    if (!ready) {
      initSync({ module: wasm });
      ready = true;
    }
    const results = await smoke({ SteadySocket, diagnostics, server: env.SERVER, scope: `smoke-workerd-${Date.now()}` });
    return Response.json(results);
  },
};
