// A TCP proxy of the tests' own, in front of one or more servers: each new
// connection goes to the next target in turn (round robin), and faults are
// injected here, under any server: drop (cut every connection), black hole
// (stop forwarding both ways, no close), refuse (cut new connections at
// once). The conformance suite puts it in front of the adapter under test;
// the two-instance soak in front of two instances.
import { createServer, connect } from "node:net";

/**
 * Starts the proxy on a free port. `targets`: [{ host, port }], taken in
 * turn. Returns { port, faults: { drop, blackhole(on), refuse(on) },
 * connections, close }.
 */
export async function startProxy(targets) {
  // (`targets` changes with retarget().)
  let next = 0;
  let refusing = false;
  const pairs = new Set();
  let connections = 0;
  const server = createServer((client) => {
    client.on("error", () => {});
    if (refusing) return client.destroy();
    const target = targets[next++ % targets.length];
    connections++;
    const upstream = connect(target.port, target.host);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const forget = () => pairs.delete(pair);
    client.on("close", () => (upstream.destroy(), forget()));
    upstream.on("close", () => (client.destroy(), forget()));
    // Bytes pass unless this connection is black-holed, then they vanish.
    client.on("data", (chunk) => pair.held || upstream.write(chunk));
    upstream.on("data", (chunk) => pair.held || client.write(chunk));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const faults = {
    /** Cuts every connection now (both ends see the TCP connection go). */
    drop() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    /** Swallows every byte both ways on the connections open now. */
    blackhole(on = true) {
      for (const pair of pairs) pair.held = on;
    },
    /** Cuts new connections at once while on. */
    refuse(on = true) {
      refusing = on;
    },
  };
  return {
    port: server.address().port,
    faults,
    /** Where new connections go from now on. */
    retarget(list) {
      targets = list;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve) => {
        faults.drop();
        server.close(() => resolve());
      }),
  };
}
