// What is tested here: the demo page in headless Firefox (through
// geckodriver): it loads, chats, and reconnects after a drop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverUrl } from "./browser.mjs";
import { firefox } from "./webdriver.mjs";

test("the demo page works in Firefox", async () => {
  const browser = await firefox();
  try {
    await browser.goto(serverUrl(`/?test=firefox-${Date.now()}`));
    // This step proves what it ran.
    assert.match(await browser.run("return navigator.userAgent"), /Firefox\//);
    const isOpen = `return document.getElementById("status").dataset.state === "open"`;
    await browser.until(isOpen, "open", 15000);
    await browser.run(`document.getElementById("text").value = "from firefox"; document.getElementById("send").click();`);
    await browser.until(
      `return [...document.querySelectorAll("#messages li.delivered span")].some((s) => s.textContent === "from firefox")`,
      "the message delivered",
    );
    await browser.run(`document.querySelector('[data-fault="drop"]').click();`);
    await browser.until(`return document.querySelector("#timeline li.retry") !== null`, "a retry after the drop");
    await browser.until(isOpen, "open again");
    assert.equal(await browser.run(`return document.getElementById("reconnects").textContent`), "1");
  } finally {
    await browser.quit();
  }
});
