// The web chat, end to end: a contact in one Chromium context opens the
// demo Recruiting team's chat page (/chat/recruiting) and writes; the
// demo Manager, signed in in another context, sees the conversation
// come in, marked web chat, the contact online and typing, and answers;
// the contact sees the answer and the Manager typing. A reload on each
// side keeps the whole conversation, nothing doubled. The contact
// leaving shows offline; a pause by the Manager shows the contact the
// paused chat. Then the limits as the contact meets them (writing too
// fast), and a kept token the server no longer takes. The embed is
// widget-embed.test.js.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  needsBrowser,
  screenshot,
  signedInOnDashboard,
  startServer,
} from "./harness.js";
import {
  agentTexts,
  chatTexts,
  contactPage,
  HANDLE,
  setWidget,
  teamOf,
  until,
} from "./webchat.js";

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

test("a kept token the server no longer takes: the message goes out in a new chat", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const contact = await contactPage(chromium.browser, server.url);
  const key = `switchboard.chat.${HANDLE}`;
  await contact.page.evaluate((key) => {
    localStorage.setItem(
      key,
      JSON.stringify({ token: "gone", team: 1, conversation: 1, contact: 1 }),
    );
  }, key);
  await contact.page.reload();
  const composer = contact.page.getByRole("textbox", { name: "Your message" });
  await composer.fill("Is anyone there?");
  await composer.press("Enter");
  await contact.page
    .getByTestId("chat-message")
    .filter({ hasText: "Is anyone there?" })
    .and(contact.page.locator('[data-state="sent"]'))
    .waitFor();
  const kept = await contact.page.evaluate(
    (key) => localStorage.getItem(key),
    key,
  );
  assert.notEqual(JSON.parse(kept ?? "{}").token, "gone");
  await contact.page.reload();
  await until(() => chatTexts(contact.page), ["Is anyone there?"]);
  assert.deepEqual(contact.problems, []);
  await contact.context.close();
});
