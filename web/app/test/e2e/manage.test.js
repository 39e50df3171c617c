// The Manager's pages end to end, with an agent watching: the demo
// Manager (Maya) adds a new address as a Member (the page says an
// invitation was mailed), makes the newcomer a Manager, then edits the
// team's statuses (adds "interview", moves it first by keyboard, removes
// one) and renames the team (a blank name is refused by its field). The
// demo Member (Sam), on his inbox all the while, sees the new name in his
// team switcher and the new statuses in the `^deliver` picker, without a
// reload. Maya then promotes Sam: his connection is closed (4009) and
// reconnects, and his navigation shows the management pages, still
// without a reload. Finally Maya removes the newcomer through the
// confirmation dialog. Both pages pass axe at desktop and phone sizes.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  needsBrowser,
  pageLink,
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

const MEMBER = { email: "sam@demo.switchboard.test", name: "Sam Member" };
const NEWCOMER = {
  email: "new.agent@demo.switchboard.test",
  name: "New Agent",
};
const RENAMED = "Talent Acquisition";
const CONTACT = "Jordan Lee";

/**
 * The texts of the statuses in the settings form, in order.
 * @param {import("playwright-core").Page} page
 */
async function statuses(page) {
  const fields = page.getByTestId("status-row").getByRole("textbox");
  return fields.evaluateAll((els) =>
    els.map((el) => /** @type {HTMLInputElement} */ (el).value),
  );
}

test("a Manager changes members, roles and settings; an agent sees each live", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signIn(chromium.browser, server.url, DEMO);
  const sam = await signIn(chromium.browser, server.url, MEMBER);
  await sam.page.getByTestId("dashboard-row").first().waitFor();
  // Gone after a reload: proves none happened.
  await sam.page.evaluate(() => Object.assign(window, { unreloaded: true }));
  assert.equal(await pageLink(sam.page, "Members").count(), 0);

  // Members: Sam is listed, online.
  await pageLink(maya.page, "Members").click();
  const members = maya.page.getByTestId("member");
  const samRow = members.filter({ hasText: MEMBER.email });
  await samRow.filter({ hasText: "Online" }).waitFor();
  await checkA11y(maya.page, "members");

  // A new address: added, and an invitation mailed.
  await maya.page.getByLabel("Email").fill(NEWCOMER.email);
  await maya.page.getByLabel("Name (for a new user)").fill(NEWCOMER.name);
  await maya.page.getByRole("button", { name: "Add member" }).click();
  await maya.page
    .getByTestId("members-notice")
    .filter({ hasText: `An invitation was mailed to ${NEWCOMER.email}` })
    .waitFor();
  const newRow = members.filter({ hasText: NEWCOMER.email });
  await newRow.waitFor();
  const newRole = maya.page.getByLabel(`Role of ${NEWCOMER.name}`);
  assert.equal(await newRole.inputValue(), "member");

  // The newcomer becomes a Manager; the list, read again, says so.
  await newRole.selectOption("manager");
  await maya.page
    .getByTestId("members-notice")
    .filter({ hasText: `${NEWCOMER.name} is now a Manager` })
    .waitFor();
  assert.equal(await newRole.inputValue(), "manager");
  await screenshot(maya.page, "members");

  // Team settings: a status added, moved first by keyboard, one removed,
  // and a new name.
  await pageLink(maya.page, "Team settings").click();
  await maya.page.getByRole("heading", { name: /Team settings/ }).waitFor();
  await checkA11y(maya.page, "settings");
  assert.deepEqual(await statuses(maya.page), [
    "hired",
    "qualified",
    "not-qualified",
    "no-response",
  ]);
  await maya.page.getByLabel("New status").fill("interview");
  await maya.page.keyboard.press("Enter");
  await maya.page.getByRole("button", { name: "Move interview up" }).click();
  // The focus follows the moved status: Enter moves it on.
  for (let i = 0; i < 3; i += 1) await maya.page.keyboard.press("Enter");
  assert.deepEqual(await statuses(maya.page), [
    "interview",
    "hired",
    "qualified",
    "not-qualified",
    "no-response",
  ]);
  await maya.page.getByRole("button", { name: "Remove no-response" }).click();
  // A blank name: the server's refusal shows by the field, nothing saved.
  const nameField = maya.page.getByLabel("Name", { exact: true });
  await nameField.fill("  ");
  await maya.page.getByRole("button", { name: "Save", exact: true }).click();
  await maya.page
    .getByRole("alert")
    .filter({ hasText: "name must be 1 to 200 bytes" })
    .waitFor();
  assert.equal(await nameField.getAttribute("aria-invalid"), "true");
  assert.equal(
    await nameField.evaluate((el) => el.getAttribute("aria-describedby")),
    "name-error",
  );
  await nameField.fill(RENAMED);
  await maya.page
    .getByTestId("settings-state")
    .filter({ hasText: "Unsaved changes" })
    .waitFor();
  await screenshot(maya.page, "settings");
  await maya.page.getByRole("button", { name: "Save", exact: true }).click();
  await maya.page
    .getByTestId("settings-state")
    .filter({ hasText: "Saved" })
    .waitFor();
  await maya.page.getByRole("heading", { name: new RegExp(RENAMED) }).waitFor();

  // Sam, on his inbox all along: the new name, then the new statuses.
  await sam.page
    .getByRole("navigation", { name: "Teams" })
    .getByRole("button", { name: new RegExp(RENAMED) })
    .waitFor();
  await sam.page
    .getByTestId("dashboard-row")
    .filter({ hasText: CONTACT })
    .click();
  const box = sam.page.getByRole("textbox", { name: "Message" });
  await box.pressSequentially("^deliver @maya ");
  const options = sam.page.getByRole("listbox").getByRole("option");
  await options.filter({ hasText: "interview" }).waitFor();
  const offered = await options.evaluateAll((els) =>
    els.map((el) => el.querySelector("span")?.textContent ?? ""),
  );
  assert.deepEqual(offered, [
    "interview",
    "hired",
    "qualified",
    "not-qualified",
    "No status",
  ]);
  await sam.page.keyboard.press("Escape");
  await box.fill("");

  // Maya promotes Sam: his navigation then shows the management pages.
  await pageLink(maya.page, "Members").click();
  await maya.page.getByLabel(`Role of ${MEMBER.name}`).selectOption("manager");
  await maya.page
    .getByTestId("members-notice")
    .filter({ hasText: `${MEMBER.name} is now a Manager` })
    .waitFor();
  await pageLink(sam.page, "Members").waitFor();
  await pageLink(sam.page, "Team settings").waitFor();
  assert.equal(
    await sam.page.evaluate(() => "unreloaded" in window),
    true,
    "Sam's page was never reloaded",
  );

  // Removing asks first: Escape keeps the member, confirming removes.
  await maya.page
    .getByRole("button", { name: `Remove ${NEWCOMER.name}` })
    .click();
  const dialog = maya.page.getByRole("dialog");
  await dialog.waitFor();
  await maya.page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await newRow.count(), 1);
  await maya.page
    .getByRole("button", { name: `Remove ${NEWCOMER.name}` })
    .click();
  await dialog.getByRole("button", { name: "Remove member" }).click();
  await newRow.waitFor({ state: "detached" });

  // Both pages at a phone's size.
  await maya.page.setViewportSize({ width: 390, height: 844 });
  await checkA11y(maya.page, "members-phone");
  // At a phone's size the navigation sits behind the Menu button.
  await maya.page.getByRole("button", { name: "Menu" }).click();
  await pageLink(maya.page, "Team settings").click();
  await maya.page.getByLabel("New status").waitFor();
  await checkA11y(maya.page, "settings-phone");

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
  await maya.context.close();
  await sam.context.close();
});
