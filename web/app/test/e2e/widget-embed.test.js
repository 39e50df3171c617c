// The web chat's embed: a page of another loopback origin with the
// one-line script gets a launcher that opens the chat in a frame when the
// team allows that origin (keyboard only, Escape closes it, no global
// leaked), and the browser refuses the frame (frame-ancestors) when it
// does not.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import {
  DEMO,
  launchBrowser,
  needsBrowser,
  signedInOnDashboard,
  startServer,
  watchProblems,
} from "./harness.js";
import { HANDLE, setWidget } from "./webchat.js";

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
let chromium;

before(async () => {
  server = await startServer();
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

/**
 * A site on another loopback origin: a page with the one-line embed.
 * @param {string} chat the chat server's URL
 */
async function hostSite(chat) {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme careers</title></head>
<body><h1>Acme careers</h1><p>Join us.</p>
<script src="${chat}/widget.js" data-team="${HANDLE}" async></script></body></html>`;
  const site = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(page);
  });
  await new Promise((done) => site.listen(0, "127.0.0.1", () => done(null)));
  const address = site.address();
  if (address === null || typeof address !== "object")
    throw new Error("the host site has no port");
  return {
    origin: `http://127.0.0.1:${String(address.port)}`,
    close: () => new Promise((done) => site.close(() => done(null))),
  };
}

test("the embed script opens the chat on an allowed origin; the browser refuses the frame elsewhere", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const allowed = await hostSite(server.url);
  const other = await hostSite(server.url);
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);
  const info = await (await fetch(`${server.url}/api/widget/${HANDLE}`)).json();
  assert.equal(info.team.name, "Recruiting");

  // The team of the handle, through a first visitor.
  const created = await fetch(`${server.url}/api/widget/${HANDLE}/visitors`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(created.status, 201);
  const { team } = await created.json();
  await setWidget(maya.page, team, { allowed_origins: [allowed.origin] });

  const context = await chromium.browser.newContext();
  context.setDefaultTimeout(10_000);
  const site = await context.newPage();
  const problems = await watchProblems(site, []);
  await site.goto(allowed.origin);
  // Keyboard only: Tab to the launcher, Enter opens the chat.
  const launcher = site.getByRole("button", { name: "Chat with us" });
  await launcher.waitFor();
  await launcher.focus();
  await site.keyboard.press("Enter");
  assert.equal(await launcher.getAttribute("aria-expanded"), "true");
  const chat = site.frameLocator("iframe[title^='Chat']");
  await chat.getByRole("heading", { name: "Recruiting" }).waitFor();
  const composer = chat.getByRole("textbox", { name: "Your message" });
  // The composer has the keyboard: typing goes straight in.
  await chat.locator("#chat-body:focus").waitFor();
  await site.keyboard.type("Hello from your careers page");
  await site.keyboard.press("Enter");
  await chat
    .getByTestId("chat-message")
    .filter({ hasText: "Hello from your careers page" })
    .and(chat.locator('[data-state="sent"]'))
    .waitFor();
  // Escape in the chat closes it and gives the focus back.
  await composer.press("Escape");
  await site.locator("iframe[title^='Chat']").waitFor({ state: "hidden" });
  assert.equal(await launcher.getAttribute("aria-expanded"), "false");
  assert.ok(await launcher.evaluate((el) => el === document.activeElement));
  // Nothing leaked into the host page's globals.
  const globals = await site.evaluate(() =>
    Object.keys(window).filter((k) => /switchboard|chat|launcher/i.test(k)),
  );
  assert.deepEqual(globals, []);
  assert.deepEqual(problems, []);

  // Another origin: the browser refuses the frame.
  const refused = await context.newPage();
  const refusal = refused.waitForEvent("console", {
    predicate: (m) => m.text().includes("frame-ancestors"),
  });
  await refused.goto(other.origin);
  await refused.getByRole("button", { name: "Chat with us" }).click();
  await refusal;
  assert.equal(
    await refused
      .frameLocator("iframe[title^='Chat']")
      .getByRole("heading", { name: "Recruiting" })
      .count(),
    0,
  );

  await context.close();
  await maya.context.close();
  await allowed.close();
  await other.close();
});
