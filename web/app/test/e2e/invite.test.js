// An invitation end to end: the demo Manager types `^invite` into a
// conversation; the mail, caught by an SMTP sink (harness), carries a
// link to the app's invitation page. A new user opens it in a browser of
// their own, chooses a password and lands in that conversation alone, with
// no dashboard, and chats in it live; beside it, the contact panel, where
// they edit the phone and the Manager sees it live. The Manager's list of the
// conversation's people shows the newcomer pending, then accepted; she
// revokes them there (Revoke, then the confirmation): the conversation
// leaves the newcomer's screen without a reload. Invited
// again, they log in on the page with their password and are back.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  checkA11y,
  checkA11yBothSizes,
  launchBrowser,
  needsBrowser,
  screenshot,
  signIn,
  smtpSink,
  startServerWithMail,
  watchProblems,
} from "./harness.js";

const CONTACT = "Jordan Lee";
const NEWBIE = "newbie@example.test";

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

test("an invited newcomer accepts on the page, chats, and loses the conversation when revoked", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  const url = server.url;
  chromium = await launchBrowser();
  const browser = chromium.browser;

  // Maya invites from the conversation's composer.
  const { page: maya, problems: mayaProblems } = await signIn(
    browser,
    url,
    DEMO,
  );
  await maya.getByTestId("dashboard-row").filter({ hasText: CONTACT }).click();
  const mayaTimeline = maya.getByRole("region", { name: "Conversation" });
  await mayaTimeline.getByTestId("message").first().waitFor();
  await maya
    .getByRole("textbox", { name: "Message" })
    .fill(`^invite ${NEWBIE} Welcome aboard`);
  await maya.keyboard.press("Enter");
  await mayaTimeline
    .getByTestId("message")
    .filter({ hasText: NEWBIE })
    .first()
    .waitFor();
  // The conversation's people list the invitee, pending.
  const people = maya.getByRole("region", {
    name: "People in this conversation",
  });
  const invitee = people.getByTestId("invitee").filter({ hasText: NEWBIE });
  await invitee.filter({ hasText: "Pending" }).waitFor();

  // The mail's link is to this server's invitation page.
  const mail = await sink.find(/To: newbie@example\.test/);
  const link = /http:\/\/\S+\/invite#token=(sbi_[0-9a-f]{64})/.exec(mail);
  assert.ok(link !== null, `no invitation link in: ${mail}`);
  assert.ok(link[0].startsWith(url), link[0]);

  const newContext = await browser.newContext({
    viewport: { width: 1200, height: 760 },
  });
  newContext.setDefaultTimeout(10_000);
  const newbie = await newContext.newPage();
  const newbieProblems = await watchProblems(newbie, [
    { status: 401, path: "/api/session" },
    { status: 401, path: "/api/invitations/accept" },
  ]);

  // A spent or unknown link says so.
  await newbie.goto(`${url}/invite#token=sbi_${"0".repeat(64)}`);
  await newbie.getByLabel("Your new password").fill("a fine new password");
  await newbie.getByLabel("Password again").fill("a fine new password");
  await newbie.getByRole("button", { name: "Join the conversation" }).click();
  await newbie
    .getByRole("alert")
    .filter({ hasText: "expired, used or revoked" })
    .waitFor();

  // The real link: the token leaves the address bar, then the page asks.
  await newbie.goto(link[0]);
  await newbie
    .getByRole("heading", { name: "You are invited to a conversation" })
    .waitFor();
  await newbie.waitForURL((address) => !address.href.includes("sbi_"));
  await screenshot(newbie, "invite");
  await checkA11yBothSizes(newbie, "invite");
  await newbie.getByLabel("Your new password").fill("newbie's own password");
  await newbie.getByLabel("Password again").fill("newbie's own password");
  await newbie.getByRole("button", { name: "Join the conversation" }).click();

  // Landed in the conversation, and only there: no dashboard, no teams.
  await newbie.getByTestId("user-name").filter({ hasText: "newbie" }).waitFor();
  const timeline = newbie.getByRole("region", { name: "Conversation" });
  await timeline
    .getByTestId("message")
    .filter({ hasText: NEWBIE })
    .first()
    .waitFor();
  assert.equal(await newbie.getByTestId("grant").count(), 1);
  // Named after the contact, and without the team's list of people.
  await newbie.getByTestId("grant").filter({ hasText: CONTACT }).waitFor();
  assert.equal(
    await newbie
      .getByRole("region", { name: "People in this conversation" })
      .count(),
    0,
  );
  assert.equal(await newbie.getByTestId("dashboard-row").count(), 0);
  assert.equal(
    await newbie.getByRole("navigation", { name: "Teams" }).count(),
    0,
  );

  // They chat; Maya sees it live.
  const hello = "Hello, thanks for having me";
  await newbie.getByRole("textbox", { name: "Message" }).fill(hello);
  await newbie.keyboard.press("Enter");
  await mayaTimeline
    .getByTestId("message")
    .filter({ hasText: hello })
    .waitFor();
  await newbie
    .locator('[data-testid=message][data-state="sent"]')
    .filter({ hasText: hello })
    .waitFor();
  await screenshot(newbie, "restricted");
  await checkA11yBothSizes(newbie, "restricted");

  // The newcomer has the contact panel too, and may edit it: the phone,
  // by keyboard; Maya's panel shows it live.
  const newbiePanel = newbie.getByRole("complementary", { name: "Contact" });
  await newbiePanel
    .getByTestId("contact-name-value")
    .filter({ hasText: CONTACT })
    .waitFor();
  await newbiePanel.getByRole("button", { name: "Edit phone" }).click();
  const phone = newbiePanel.locator("#contact-phone");
  await phone.fill("+1 555 0188");
  await phone.press("Enter");
  await newbiePanel
    .getByTestId("contact-phone-value")
    .filter({ hasText: "+1 555 0188" })
    .waitFor();
  assert.equal(await newbie.getByTestId("contact-read-only").count(), 0);
  await maya
    .getByRole("complementary", { name: "Contact" })
    .getByTestId("contact-phone-value")
    .filter({ hasText: "+1 555 0188" })
    .waitFor();
  await screenshot(newbie, "restricted-contact");

  // Maya's list of people saw the newcomer accept (their message says so).
  await invitee.filter({ hasText: "Accepted" }).waitFor();
  await screenshot(maya, "conversation-people");

  // Maya revokes through the page, from the keyboard: the Revoke button
  // asks first; Escape backs out and gives the focus back.
  const revoke = people.getByRole("button", {
    name: `Revoke the invitation of ${NEWBIE}`,
  });
  await revoke.focus();
  await maya.keyboard.press("Enter");
  const confirm = maya.getByRole("dialog", {
    name: `Revoke the invitation of ${NEWBIE}?`,
  });
  await confirm.waitFor();
  await screenshot(maya, "conversation-revoke-confirm");
  await checkA11y(maya, "conversation-revoke-confirm");
  await maya.keyboard.press("Escape");
  await confirm.waitFor({ state: "detached" });
  assert.equal(
    await revoke.evaluate((button) => button === document.activeElement),
    true,
  );
  await invitee.filter({ hasText: "Accepted" }).waitFor();
  await maya.keyboard.press("Enter");
  await confirm.waitFor();
  // Cancel has the focus (the safe choice); one step back is the revoke.
  await maya.keyboard.press("Shift+Tab");
  const confirmButton = confirm.getByRole("button", { name: "Revoke access" });
  assert.equal(
    await confirmButton.evaluate((button) => button === document.activeElement),
    true,
  );
  await maya.keyboard.press("Enter");
  await confirm.waitFor({ state: "detached" });
  await invitee.waitFor({ state: "detached" });
  await mayaTimeline
    .getByTestId("message")
    .filter({ hasText: `revoked the invitation of ${NEWBIE}` })
    .waitFor();

  // The conversation leaves the newcomer's screen, without a reload.
  await newbie.getByTestId("grant").waitFor({ state: "detached" });
  await newbie.getByTestId("no-grants").waitFor();
  assert.equal(await timeline.count(), 0);
  await screenshot(newbie, "restricted-revoked");

  // Invited again, the newcomer now has an account: the page takes their
  // password, refuses a wrong one, and lands them back in the conversation.
  await maya
    .getByRole("textbox", { name: "Message" })
    .fill(`^invite ${NEWBIE} Come back`);
  await maya.keyboard.press("Enter");
  const again = await sink.find(/To: newbie@example\.test/, 1);
  const second = /http:\/\/\S+\/invite#token=sbi_[0-9a-f]{64}/.exec(again);
  assert.ok(second !== null, `no invitation link in: ${again}`);
  await newbie.goto(second[0]);
  await newbie.getByLabel("I have an account").check();
  await newbie.getByLabel("Your password").fill("not the password at all");
  await newbie.getByRole("button", { name: "Join the conversation" }).click();
  await newbie
    .getByRole("alert")
    .filter({ hasText: "Wrong password" })
    .waitFor();
  await newbie.getByLabel("Your password").fill("newbie's own password");
  await newbie.getByRole("button", { name: "Join the conversation" }).click();
  await newbie.getByTestId("grant").waitFor();
  await timeline.getByTestId("message").filter({ hasText: hello }).waitFor();

  assert.deepEqual(mayaProblems, []);
  assert.deepEqual(newbieProblems, []);
});
