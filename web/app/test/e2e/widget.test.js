// The web chat, end to end: a contact in one Chromium context opens the
// demo Recruiting team's chat page (/chat/recruiting) and writes; the
// demo Manager, signed in in another context, sees the conversation
// come in, marked web chat, the contact online and typing, and answers;
// the contact sees the answer and the Manager typing. A reload on each
// side keeps the whole conversation, nothing doubled. The contact
// leaving shows offline; a pause by the Manager shows the contact the
// paused chat.
//
// The embed: a page of another loopback origin with the one-line script
// gets a launcher that opens the chat in a frame when the team allows
// that origin, and the browser refuses the frame (frame-ancestors) when
// it does not.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  needsBrowser,
  screenshot,
  signedInOnDashboard,
  startServer,
  watchProblems,
} from "./harness.js";
import { connect } from "./raw.js";

const HANDLE = "recruiting";

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
 * A contact's browser context on the team's chat page.
 * @param {import("playwright-core").Browser} browser
 * @param {string} url
 */
async function contactPage(browser, url) {
  const context = await browser.newContext({
    viewport: { width: 480, height: 720 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, []);
  await page.goto(`${url}/chat/${HANDLE}`);
  await page.getByRole("heading", { name: "Recruiting" }).waitFor();
  return { context, page, problems };
}

/**
 * The texts of the chat page's messages, in order.
 * @param {import("playwright-core").Page} page
 */
async function chatTexts(page) {
  return page
    .getByTestId("chat-message")
    .locator(".chat-body")
    .allTextContents();
}

/**
 * The texts of the agent's open conversation, in order.
 * @param {import("playwright-core").Page} page
 */
async function agentTexts(page) {
  return page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("message")
    .locator(".body")
    .allTextContents();
}

/**
 * Waits until `read` returns `expected`.
 * @param {() => Promise<string[]>} read
 * @param {string[]} expected
 */
async function until(read, expected) {
  const deadline = Date.now() + 10_000;
  let seen = await read();
  while (JSON.stringify(seen) !== JSON.stringify(expected)) {
    if (Date.now() > deadline) assert.deepEqual(seen, expected);
    await new Promise((done) => setTimeout(done, 100));
    seen = await read();
  }
}

/**
 * The team id the chat page keeps with its visitor token.
 * @param {import("playwright-core").Page} page
 */
async function teamOf(page) {
  const kept = await page.evaluate(
    (handle) => localStorage.getItem(`switchboard.chat.${handle}`),
    HANDLE,
  );
  assert.ok(kept !== null, "the chat page keeps its visitor");
  return /** @type {{team: number}} */ (JSON.parse(kept)).team;
}

/**
 * Sets the team's widget settings as the Manager (the protocol's
 * `set_widget`, through a raw connection of the Manager's page).
 * @param {import("playwright-core").Page} page
 * @param {number} team
 * @param {{paused?: boolean, greeting?: string, allowed_origins?: string[]}} settings
 */
async function setWidget(page, team, settings) {
  const raw = await connect(page);
  await raw.call({
    type: "set_widget",
    team,
    settings: {
      paused: false,
      greeting: "Hi! Ask us anything about our open roles.",
      allowed_origins: [],
      ...settings,
    },
  });
  await raw.close();
}

test("a contact and an agent chat live through the web chat, reloads on each side", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const contact = await contactPage(chromium.browser, server.url);
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);

  // The contact writes: shown at once, then carried by the server.
  const composer = contact.page.getByRole("textbox", { name: "Your message" });
  await composer.fill("Hello, is the nurse role still open?");
  await composer.press("Enter");
  await contact.page
    .getByTestId("chat-message")
    .filter({ hasText: "Hello, is the nurse role still open?" })
    .and(contact.page.locator('[data-state="sent"]'))
    .waitFor();
  const team = await teamOf(contact.page);
  await setWidget(maya.page, team, {});

  // The Manager sees it come in, opens it: web chat, contact online.
  const row = maya.page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Visitor" });
  await row.first().click();
  const conversation = maya.page.getByRole("region", { name: "Conversation" });
  await conversation
    .getByTestId("message")
    .filter({ hasText: "Hello, is the nurse role still open?" })
    .waitFor();
  const status = conversation.getByTestId("contact-status");
  await status.getByText("Web chat").waitFor();
  await status.getByText("Contact online").waitFor();

  // The contact types: the Manager sees it.
  await composer.fill("I have five years of");
  await status.getByTestId("contact-typing").waitFor();

  // The Manager types, then answers: the contact sees both.
  const agentComposer = maya.page.getByRole("textbox", {
    name: "Message",
    exact: true,
  });
  await agentComposer.fill("Yes it is");
  await contact.page
    .getByTestId("chat-typing")
    .filter({ hasText: `${DEMO.name} is typing…` })
    .waitFor();
  await agentComposer.fill("Yes it is! Tell me about your experience.");
  await agentComposer.press("Enter");
  const answer = contact.page
    .getByTestId("chat-message")
    .filter({ hasText: "Yes it is! Tell me about your experience." });
  await answer.getByText(DEMO.name).waitFor();

  await composer.fill("I have five years of ICU experience.");
  await composer.press("Enter");
  const whole = [
    "Hello, is the nurse role still open?",
    "Yes it is! Tell me about your experience.",
    "I have five years of ICU experience.",
  ];
  await until(() => chatTexts(contact.page), whole);
  await until(() => agentTexts(maya.page), whole);
  await screenshot(maya.page, "web-chat-agent");

  // A reload on each side: the whole conversation, each message once.
  await contact.page.reload();
  await until(() => chatTexts(contact.page), whole);
  await contact.page
    .getByText("Hi! Ask us anything about our open roles.")
    .waitFor();
  await screenshot(contact.page, "web-chat-contact");
  await maya.page.reload();
  await maya.page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Visitor" })
    .first()
    .click();
  await until(() => agentTexts(maya.page), whole);
  await status.getByText("Contact online").waitFor();

  // Still live after both reloads.
  await agentComposer.fill("Great, we will call you.");
  await agentComposer.press("Enter");
  await until(
    () => chatTexts(contact.page),
    [...whole, "Great, we will call you."],
  );

  // Too long: said before sending, and nothing is sent.
  await composer.fill("x".repeat(2001));
  await contact.page.getByText("Too long: at most 2,000 characters.").waitFor();
  assert.ok(
    await contact.page.getByRole("button", { name: "Send" }).isDisabled(),
  );
  await composer.fill("");

  // The contact leaves an email: the Manager's contact panel shows it.
  await contact.page
    .getByRole("button", { name: "Leave your email or phone" })
    .click();
  await contact.page.getByLabel("Email").fill("alex.visitor@example.com");
  await contact.page.getByLabel("Email").press("Enter");
  await contact.page.getByText("Thanks, the team can now reach you.").waitFor();
  await maya.page
    .getByRole("complementary", { name: "Contact" })
    .getByText("alex.visitor@example.com")
    .waitFor();
  await checkA11y(contact.page, "web-chat");

  // The contact leaves: offline for the Manager.
  await contact.page.goto("about:blank");
  await status.getByText("Contact offline").waitFor();

  // A pause by the Manager: the contact sees the greeting and the pause.
  await setWidget(maya.page, team, { paused: true });
  await contact.page.goto(`${server.url}/chat/${HANDLE}`);
  await contact.page.getByTestId("chat-paused").waitFor();
  await contact.page
    .getByText("Hi! Ask us anything about our open roles.")
    .waitFor();
  assert.equal(
    await contact.page.getByRole("textbox", { name: "Your message" }).count(),
    0,
    "a paused chat takes no message",
  );
  await setWidget(maya.page, team, { paused: false });

  assert.deepEqual(contact.problems, []);
  assert.deepEqual(maya.problems, []);
  await contact.context.close();
  await maya.context.close();
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

test("a contact writing faster than allowed is told so, and every message still goes out once", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const contact = await contactPage(chromium.browser, server.url);
  const composer = contact.page.getByRole("textbox", { name: "Your message" });
  // The server's default: a burst of 5, then 20 a minute.
  const sent = ["one", "two", "three", "four", "five", "six", "seven"];
  for (const body of sent) {
    await composer.fill(body);
    await composer.press("Enter");
  }
  await contact.page
    .getByRole("alert")
    .filter({ hasText: "faster than the chat allows" })
    .waitFor();
  const deadline = Date.now() + 20_000;
  let carried = await contact.page
    .locator('[data-testid="chat-message"][data-state="sent"] .chat-body')
    .allTextContents();
  while (carried.length < sent.length && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    carried = await contact.page
      .locator('[data-testid="chat-message"][data-state="sent"] .chat-body')
      .allTextContents();
  }
  assert.deepEqual(carried, sent);
  // After a reload, the server's copy: each message once, in order.
  await contact.page.reload();
  await until(() => chatTexts(contact.page), sent);
  assert.deepEqual(contact.problems, []);
  await contact.context.close();
});
