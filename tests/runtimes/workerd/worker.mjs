// The edge smoke test inside a Cloudflare worker. No init line: the package's
// workerd entry imports its wasm as a compiled module (workerd cannot compile
// wasm from bytes), and the first socket instantiates it.
import { diagnostics, SteadySocket } from "steadysocket";
import { smoke } from "../smoke.mjs";

export default {
  async fetch(request, env) {
    const results = await smoke({ SteadySocket, diagnostics, server: env.SERVER, scope: `smoke-workerd-${Date.now()}` });
    return Response.json(results);
  },
};
