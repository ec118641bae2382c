// JSX by esbuild (no React plugin needed for a build). `--mode development`
// builds React's development version, where StrictMode mounts twice.
export default ({ mode }) => ({
  logLevel: "warn",
  esbuild: { jsx: "automatic" },
  // steadysocket is linked from the repository (file:../..), whose own
  // node_modules has React for its tests: one React only, the app's, as an
  // install from npm would give.
  resolve: { dedupe: ["react", "react-dom"] },
  define: { "process.env.NODE_ENV": JSON.stringify(mode === "development" ? "development" : "production") },
  build: { target: "es2022", emptyOutDir: true, minify: mode !== "development" },
});
