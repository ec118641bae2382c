// What is tested here: the demo page, served by the test server, in headless
// Chromium (playwright-core):
// - it loads the package through an import map (a plain module page);
// - chat messages go round the room;
// - the Drop button breaks the link and the page reconnects;
// - messages typed while the link is down are queued (the outbox shows them)
//   and delivered, in order, after the reconnect;
// - a screenshot is saved under test-output/.
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

// Chromium logs refused WebSocket handshakes as console errors: those are the
// faults this test injects, not page errors.
const expected = (text) => /WebSocket connection to .* failed/.test(text) || /status of 503/.test(text);

test("the demo page chats, survives a drop and delivers what was typed while down", async () => {
  const scope = `demo-${Date.now()}`;
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && !expected(m.text()) && errors.push(m.text()));
  await page.goto(serverUrl(`/?test=${scope}`));
  // This step proves what it ran.
  assert.match(await page.evaluate(() => navigator.userAgent), /Chrome\//);
  const status = page.locator("#status");
  await status.filter({ hasText: "open" }).waitFor({ timeout: 15000 });
  assert.match(await page.locator("#version").textContent(), /^v\d+\.\d+\.\d+$/);

  const say = async (text) => {
    await page.fill("#text", text);
    await page.click("#send");
  };
  await say("hello room");
  await page.locator("#messages li.delivered", { hasText: "hello room" }).waitFor({ timeout: 5000 });
  await page.locator("#tick").filter({ hasText: /^\d+$/ }).waitFor({ timeout: 5000 });

  // Drop: the page notices and reconnects.
  await page.click('[data-fault="drop"]');
  await page.locator("#timeline li.retry").first().waitFor({ timeout: 5000 });
  await status.filter({ hasText: "open" }).waitFor({ timeout: 10000 });
  assert.equal(await page.locator("#reconnects").textContent(), "1");

  // Down for a while: refuse upgrades, then drop. Typed messages queue up.
  await page.click('[data-fault="refuse"]');
  await page.click('[data-fault="drop"]');
  await status.filter({ hasText: /waiting|connecting/ }).waitFor({ timeout: 5000 });
  await say("typed while down 1");
  await say("typed while down 2");
  assert.equal(await page.locator("#messages li.pending").count(), 2);
  assert.equal(await page.locator("#outbox").textContent(), "2");
  await page.screenshot({ path: `${OUTPUT}demo-down.png`, fullPage: true });

  // The refusal ends after 5 s; the queue is delivered, in order.
  await page.locator("#messages li.delivered", { hasText: "typed while down 2" }).waitFor({ timeout: 20000 });
  assert.equal(await page.locator("#messages li.pending").count(), 0);
  assert.equal(await page.locator("#outbox").textContent(), "0");
  const texts = await page.locator("#messages li span").allTextContents();
  assert.deepEqual(texts, ["hello room", "typed while down 1", "typed while down 2"]);
  const received = await (await fetch(serverUrl(`/control/received?test=${scope}`))).json();
  assert.deepEqual(
    // (The exactly-once card's numbered texts share the scope.)
    received.filter((m) => m.startsWith("{")).map((m) => JSON.parse(m)).filter((m) => m.type === "chat").map((m) => m.text),
    ["hello room", "typed while down 1", "typed while down 2"],
  );
  await page.screenshot({ path: `${OUTPUT}demo.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test("the demo's exactly-once card: a black hole loses messages without resume, none with it", async () => {
  const scope = `demo-resume-${Date.now()}`;
  const page = await context.newPage();
  await page.goto(serverUrl(`/?test=${scope}`));
  const number = async (id) => Number(await page.locator(`#${id}`).textContent());
  const until = async (what, check, ms = 20000) => {
    for (const end = Date.now() + ms; !(await check()); await page.waitForTimeout(100)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    }
  };
  // Messages go into a black hole, then the connection is dropped with them.
  const blackHoleFor = async (ms) => {
    await page.click('[data-fault="blackhole"]');
    await page.waitForTimeout(ms);
    await page.click('[data-fault="drop"]');
    await page.click('[data-fault="blackhole"]');
  };
  await until("echoes", async () => (await number("r-received")) > 10);
  // Without resume: what was in flight when the heartbeat gave up is gone.
  await blackHoleFor(1500);
  await until("losses counted", async () => (await number("r-lost")) > 0);
  assert.equal(await page.locator("#r-replayed").textContent(), "–");
  // With resume: a new flood; the same fault loses nothing.
  await page.check("#resume");
  await until("echoes with resume", async () => (await number("r-received")) > 10 && (await number("r-acked")) > 0);
  await blackHoleFor(1500);
  await until("the resume", async () => (await number("r-resumes")) >= 1);
  const sentBy = await number("r-sent");
  await until("the echoes caught up", async () => (await number("r-received")) >= sentBy);
  assert.equal(await number("r-lost"), 0, "nothing lost with resume");
  assert.ok((await number("r-replayed")) > 0, "the replay path ran");
  await page.screenshot({ path: `${OUTPUT}demo-resume.png`, fullPage: true });
  await page.close();
});
