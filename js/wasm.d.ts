// A .wasm file imported as a module: workerd (and wrangler's bundler) make
// its default export the compiled WebAssembly.Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
