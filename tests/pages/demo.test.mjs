// What is tested here: the demo page, served by the test server, loads the
// built package in headless Chromium (no console errors); a screenshot is
// saved under test-output/.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, serverUrl, OUTPUT } from "./browser.mjs";

let context;
before(async () => {
  context = await launch();
});
after(async () => {
  await context?.close();
});

test("the demo page loads the package", async () => {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(serverUrl("/"));
  await page
    .waitForFunction(() => /^steadysocket \d+\.\d+\.\d+ loaded$/.test(document.getElementById("status")?.textContent), null, { timeout: 15000 })
    .catch((e) => assert.fail(`${e.message}\npage errors: ${errors.join("; ")}`));
  await page.screenshot({ path: `${OUTPUT}demo.png`, fullPage: true });
  assert.deepEqual(errors, []);
});
