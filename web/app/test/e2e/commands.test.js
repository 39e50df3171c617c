// Commands through the composer's helpers, end to end: the demo Manager
// opens a conversation, `^invite ` opens the invite window and Escape
// closes it, leaving the text (as it does a picker); filled in, it
// invites, and both agents see it; a command typed in
// full is refused with the server's reason; `^assign ` opens a member picker, from
// which she chooses the demo Member with the keyboard: both see the
// system message, and the Member's "Mine" view lists the conversation.
// Then `^deliver #` offers the other demo team, then its statuses: the
// conversation is delivered and shows on the other team's dashboard.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  DEMO,
  DEMO_CONTACT,
  launchBrowser,
  MEMBER,
  needsBrowser,
  screenshot,
  signIn,
  startServer,
} from "./harness.js";

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

const CONTACT = DEMO_CONTACT;
const OTHER_TEAM = DEMO.teams[1];

/**
 * A fresh context, logged in, with the conversation with CONTACT open.
 * @param {import("playwright-core").Browser} browser
 * @param {string} url
 * @param {{email: string, name: string}} who
 */
async function inConversation(browser, url, who) {
  const { context, page, problems } = await signIn(browser, url, who);
  await page.getByTestId("dashboard-row").filter({ hasText: CONTACT }).click();
  await page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("message")
    .first()
    .waitFor();
  return { context, page, problems };
}

/**
 * Moves the picker's selection down until the option named `name` is
 * selected (at most once round the list).
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
async function selectWithKeys(page, name) {
  const options = page.getByRole("listbox").getByRole("option");
  await options.filter({ hasText: name }).first().waitFor();
  const count = await options.count();
  for (let i = 0; i <= count; i += 1) {
    const selected = page.locator('[role=option][aria-selected="true"]');
    if ((await selected.locator("span").first().innerText()) === name) return;
    await page.keyboard.press("ArrowDown");
  }
  assert.fail(`no option ${name} could be selected`);
}

test("^assign and ^deliver through their pickers, for both agents", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await inConversation(chromium.browser, server.url, DEMO);
  const sam = await inConversation(chromium.browser, server.url, MEMBER);
  const box = maya.page.getByRole("textbox", { name: "Message" });

  // ^invite opens its window; Escape closes it and keeps the text.
  await box.pressSequentially("^invite ");
  const invite = maya.page.getByRole("dialog", {
    name: "Invite into this conversation",
  });
  await invite.getByLabel("Email").waitFor();
  await maya.page.keyboard.press("Escape");
  await invite.waitFor({ state: "detached" });
  assert.equal(await box.inputValue(), "^invite ");

  // Opened again and filled in, it invites: both see the system message.
  await box.fill("");
  await box.pressSequentially("^invite ");
  await invite.getByLabel("Email").fill("guest@example.com");
  await invite.getByLabel("Note (optional)").fill("the hiring manager");
  await screenshot(maya.page, "command-invite-window");
  await checkA11y(maya.page, "command-invite-window");
  await invite.getByLabel("Email").press("Enter");
  await invite.waitFor({ state: "detached" });
  for (const who of [maya, sam]) {
    await who.page
      .locator("[data-testid=message].system")
      .filter({ hasText: "invited guest@example.com: the hiring manager" })
      .waitFor();
  }
  assert.equal(await box.inputValue(), "");

  // The picker closes on Escape too, keeping the text.
  await box.focus();
  await box.pressSequentially("^assign ");
  await maya.page.getByRole("listbox").waitFor();
  await maya.page.keyboard.press("Escape");
  await maya.page.getByRole("listbox").waitFor({ state: "detached" });
  assert.equal(await box.inputValue(), "^assign ");
  await box.fill("");

  // Typed in full, a command is a plain send: refused, it shows failed
  // with the server's reason.
  await box.pressSequentially("^deliver #nosuch");
  await maya.page.keyboard.press("Enter");
  const refused = maya.page
    .locator('[data-testid=message][data-state="failed"]')
    .filter({ hasText: "^deliver #nosuch" });
  await refused.waitFor();
  assert.match(await refused.innerText(), /no team #nosuch in this account/);

  // ^assign: a member picker; Sam chosen with the keyboard.
  await box.pressSequentially("^assign ");
  await maya.page.getByRole("option", { name: /^me/ }).waitFor();
  await selectWithKeys(maya.page, MEMBER.name);
  await screenshot(maya.page, "command-assign-picker");
  await checkA11y(maya.page, "command-assign-picker");
  await maya.page.keyboard.press("Enter");

  const assigned = /assigned Sam/;
  for (const who of [maya, sam]) {
    await who.page
      .locator("[data-testid=message].system")
      .filter({ hasText: assigned })
      .waitFor();
  }
  assert.equal(await box.inputValue(), "");
  assert.equal(await maya.page.getByRole("listbox").count(), 0);

  // Sam's "Mine" view lists the conversation.
  await sam.page.getByRole("button", { name: "Mine", exact: true }).click();
  await sam.page
    .getByTestId("dashboard-row")
    .filter({ hasText: CONTACT })
    .waitFor();

  // ^deliver #: the other team, then its statuses, then a note.
  await box.pressSequentially("^deliver #");
  await selectWithKeys(maya.page, OTHER_TEAM);
  await screenshot(maya.page, "command-deliver-picker");
  await maya.page.keyboard.press("Enter");
  await maya.page.getByRole("option", { name: "hired" }).waitFor();
  await selectWithKeys(maya.page, "qualified");
  await screenshot(maya.page, "command-deliver-status");
  await checkA11y(maya.page, "command-deliver-status");
  await maya.page.keyboard.press("Enter");
  assert.match(await box.inputValue(), /^\^deliver #\S+ qualified $/);
  await box.pressSequentially("ready for onboarding");
  await maya.page.keyboard.press("Enter");

  const delivered = new RegExp(`delivered to ${OTHER_TEAM}.*qualified`);
  for (const who of [maya, sam]) {
    await who.page
      .locator("[data-testid=message].system")
      .filter({ hasText: delivered })
      .waitFor();
  }
  await maya.page
    .getByTestId("dashboard-row")
    .filter({ hasText: CONTACT })
    .filter({ hasText: "delivered" })
    .waitFor();
  await screenshot(maya.page, "conversation-delivered");

  // On the other team's dashboard, the conversation is there, waiting.
  await maya.page
    .getByRole("navigation", { name: "Teams" })
    .getByRole("button", { name: OTHER_TEAM })
    .click();
  await maya.page
    .getByRole("heading", { level: 1, name: OTHER_TEAM })
    .waitFor();
  await maya.page
    .getByTestId("dashboard-row")
    .filter({ hasText: CONTACT })
    .waitFor();

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
  await maya.context.close();
  await sam.context.close();
});
