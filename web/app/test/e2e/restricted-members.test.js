// The Members page's Restricted Members, end to end: the demo Manager
// (Maya) invites a newcomer into a conversation with `^invite`; her
// Members page lists them pending, with the conversation's contact and
// who invited. The newcomer accepts (over the HTTP API, with the mailed
// token); the demo Member (Sam) then invites someone else into the same
// conversation, and Maya's list, on screen all the while, follows without
// a reload: the newcomer accepted, Sam's invitee pending. Maya revokes
// Sam's invitee through the confirmation (Escape backs out first); the
// row leaves. The page passes axe at desktop and phone sizes, and with
// the confirmation open. With more invitations than a page holds, "Show
// more" brings the rest.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  checkA11yBothSizes,
  DEMO,
  launchBrowser,
  MEMBER,
  needsBrowser,
  pageLink,
  screenshot,
  signIn,
  smtpSink,
  startServerWithMail,
} from "./harness.js";

const CONTACT = "Jordan Lee";
const NEWBIE = "newbie@example.test";
const GUEST = "guest@example.test";

const sink = smtpSink();
/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
let chromium;

before(async () => {
  server = await startServerWithMail(sink);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
  sink.close();
});

/**
 * Opens the contact's conversation and types `^invite EMAIL` into it.
 * @param {import("playwright-core").Page} page
 * @param {string} email
 */
async function invite(page, email) {
  await page.getByTestId("dashboard-row").filter({ hasText: CONTACT }).click();
  const timeline = page.getByRole("region", { name: "Conversation" });
  await timeline.getByTestId("message").first().waitFor();
  await page.getByRole("textbox", { name: "Message" }).fill(`^invite ${email}`);
  await page.keyboard.press("Enter");
  await timeline
    .getByTestId("message")
    .filter({ hasText: email })
    .first()
    .waitFor();
}

test("a Manager sees the team's Restricted Members live and revokes one", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  const url = server.url;
  chromium = await launchBrowser();
  const browser = chromium.browser;

  const maya = await signIn(browser, url, DEMO);
  await invite(maya.page, NEWBIE);
  await pageLink(maya.page, "Members").click();
  const section = maya.page.getByRole("region", { name: /Restricted Members/ });
  const rows = section.getByTestId("restricted-member");
  const newbie = rows.filter({ hasText: NEWBIE });
  await newbie.filter({ hasText: "Pending" }).waitFor();
  assert.equal(await rows.count(), 1);
  await newbie.filter({ hasText: CONTACT }).waitFor();
  await newbie.filter({ hasText: DEMO.name }).waitFor();

  // The newcomer accepts with the mailed token.
  const mail = await sink.find(/To: newbie@example\.test/);
  const token = /#token=(sbi_[0-9a-f]{64})/.exec(mail);
  assert.ok(token !== null, `no invitation link in: ${mail}`);
  const accepted = await fetch(`${url}/api/invitations/accept`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: token[1], password: "newbie's password" }),
  });
  assert.equal(accepted.status, 200);

  // Sam invites someone else: Maya's list follows on its own.
  const sam = await signIn(browser, url, MEMBER);
  await invite(sam.page, GUEST);
  const guest = rows.filter({ hasText: GUEST });
  await guest.filter({ hasText: "Pending" }).waitFor();
  await guest.filter({ hasText: MEMBER.name }).waitFor();
  await newbie.filter({ hasText: "Accepted" }).waitFor();
  assert.equal(await rows.count(), 2);
  await screenshot(maya.page, "members-restricted");
  await checkA11yBothSizes(maya.page, "members-restricted");

  // Revoke asks first; Escape backs out and gives the focus back.
  const revoke = section.getByRole("button", {
    name: `Revoke the invitation of ${GUEST} to ${CONTACT}`,
  });
  await revoke.focus();
  await maya.page.keyboard.press("Enter");
  const confirm = maya.page.getByRole("dialog", {
    name: `Revoke the invitation of ${GUEST}?`,
  });
  await confirm.waitFor();
  await checkA11y(maya.page, "members-restricted-confirm");
  await maya.page.keyboard.press("Escape");
  await confirm.waitFor({ state: "detached" });
  assert.equal(
    await revoke.evaluate((button) => button === document.activeElement),
    true,
  );
  await revoke.click();
  await confirm.getByRole("button", { name: "Revoke access" }).click();
  await confirm.waitFor({ state: "detached" });
  await guest.waitFor({ state: "detached" });
  await section
    .getByTestId("restricted-notice")
    .filter({
      hasText: `The invitation of ${GUEST} to ${CONTACT} was revoked.`,
    })
    .waitFor();
  await newbie.filter({ hasText: "Accepted" }).waitFor();
  assert.equal(await rows.count(), 1);

  // Past a page (25 rows): the rest come with "Show more".
  await pageLink(maya.page, "Inbox").click();
  for (let n = 1; n <= 25; n += 1)
    await invite(maya.page, `many${String(n)}@example.test`);
  await pageLink(maya.page, "Members").click();
  await section
    .getByRole("heading", { name: "Restricted Members (25+)" })
    .waitFor();
  assert.equal(await rows.count(), 25);
  await section.getByRole("button", { name: "Show more" }).click();
  await section
    .getByRole("heading", { name: "Restricted Members (26)" })
    .waitFor();
  assert.equal(await rows.count(), 26);
  assert.equal(
    await section.getByRole("button", { name: "Show more" }).count(),
    0,
  );

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
});
