// Vitest runs src/*.test.ts twice: in its node environment and in jsdom.
export default {
  test: {
    include: ["src/**/*.test.ts"],
    projects: [
      { extends: true, test: { name: "node", environment: "node" } },
      { extends: true, test: { name: "jsdom", environment: "jsdom" } },
    ],
  },
};
