// The contact book end to end. The demo Manager (Maya) creates a contact
// from the Contacts page, finds it by a search typed in the box (sent to
// the server after a pause), opens it, edits it (a tag added); a second
// contact with the same email is merged into the first, never doubled.
// A third's phone added to the first is refused, and the page offers to
// merge them instead. The third, found by "Merge with…" (a dialog: Escape
// closes it and gives the focus back, Tab stays inside), is merged in
// after its confirmation, and the demo Member's list (Sam, in another
// browser) loses it live. Then, with Sam on the demo contact's
// conversation, Maya renames that contact on its book page and Sam's
// contact panel and dashboard row show the new name without a reload.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  checkA11yBothSizes,
  DEMO,
  DEMO_CONTACT,
  launchBrowser,
  MEMBER,
  needsBrowser,
  openConversation,
  pageLink,
  screenshot,
  signedInOnDashboard,
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

/**
 * Fills the new contact's form and creates it.
 * @param {import("playwright-core").Page} page
 * @param {{name: string, phones?: string, emails?: string, tags?: string}} c
 */
async function createContact(page, c) {
  await page.getByRole("button", { name: "New contact" }).click();
  const form = page.getByRole("form", { name: "New contact" });
  await form.getByLabel("Name").fill(c.name);
  await form.getByLabel("Phones").fill(c.phones ?? "");
  await form.getByLabel("Emails").fill(c.emails ?? "");
  await form.getByLabel("Tags").fill(c.tags ?? "");
  await form.getByRole("button", { name: "Create contact" }).click();
}

test("contacts: create, search, edit, merge by rule and by hand, live in a conversation's panel", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);
  const sam = await signedInOnDashboard(chromium.browser, server.url, MEMBER);
  const page = maya.page;

  // A new contact: its page opens with the phone normalised.
  await pageLink(page, "Contacts").click();
  await page.getByTestId("contact-row").first().waitFor();
  await createContact(page, {
    name: "Ada Lovelace",
    phones: "+1 415 555 0123",
    emails: "Ada@Example.com",
    tags: "python",
  });
  await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
  await page
    .getByTestId("contact-phones")
    .filter({ hasText: "+14155550123" })
    .waitFor();
  await page
    .getByTestId("contact-emails")
    .filter({ hasText: "ada@example.com" })
    .waitFor();

  // Edited: a tag added.
  await page.getByRole("button", { name: "Edit contact" }).click();
  const edit = page.getByRole("form", { name: "Edit contact" });
  await edit.getByLabel("Tags").fill("python, rust");
  await edit.getByRole("button", { name: "Save contact" }).click();
  await page
    .getByTestId("contact-tags")
    .filter({ hasText: "python, rust" })
    .waitFor();
  assert.ok(
    await page
      .getByRole("button", { name: "Edit contact" })
      .evaluate((el) => el === document.activeElement),
    "the focus is back on Edit contact",
  );

  // The same email again: merged into Ada, the page says so.
  await page.getByRole("link", { name: "All contacts" }).click();
  await createContact(page, {
    name: "A. Lovelace",
    emails: "ada@example.com",
    tags: "analyst",
  });
  await page.getByTestId("contact-merged-notice").waitFor();
  await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
  await page
    .getByTestId("contact-tags")
    .filter({ hasText: "analyst" })
    .waitFor();

  // Another contact, then found by a typed search.
  await page.getByRole("link", { name: "All contacts" }).click();
  await createContact(page, {
    name: "Augusta King",
    phones: "+44 20 7946 0958",
    tags: "python",
  });
  await page.getByRole("heading", { name: "Augusta King" }).waitFor();
  await page.getByRole("link", { name: "All contacts" }).click();
  await page.getByLabel("Search contacts").fill("ada");
  const rows = page.getByTestId("contact-row");
  await rows.filter({ hasText: "Ada Lovelace" }).waitFor();
  await page
    .getByTestId("contacts-state")
    .filter({ hasText: "1 contact" })
    .waitFor();
  assert.equal(await rows.count(), 1);
  // The tag filter: both python contacts, nothing else.
  await page.getByLabel("Search contacts").fill("");
  await page.getByLabel("Tag", { exact: true }).fill("python");
  await page
    .getByTestId("contacts-state")
    .filter({ hasText: "2 contact" })
    .waitFor();
  assert.deepEqual(await rows.getByRole("link").allTextContents(), [
    "Ada Lovelace",
    "Augusta King",
  ]);
  await checkA11yBothSizes(page, "contacts");
  await screenshot(page, "contacts");

  // Ada edited to take Augusta's phone: refused, the form keeps it, and
  // the page offers the merge instead, its search on that phone.
  await rows.filter({ hasText: "Ada Lovelace" }).getByRole("link").click();
  await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
  await page.getByRole("button", { name: "Edit contact" }).click();
  await edit.getByLabel("Phones").fill("+1 415 555 0123, +44 20 7946 0958");
  await edit.getByRole("button", { name: "Save contact" }).click();
  await edit
    .getByRole("alert")
    .filter({ hasText: "belongs to another contact" })
    .waitFor();
  assert.equal(
    await edit.getByLabel("Phones").inputValue(),
    "+1 415 555 0123, +44 20 7946 0958",
  );
  await page
    .getByRole("button", { name: /^Merge with the contact that has/ })
    .click();
  const offered = page.getByRole("dialog", {
    name: "Merge with another contact",
  });
  await offered.getByRole("button", { name: "Augusta King" }).waitFor();
  await page.keyboard.press("Escape");
  await offered.waitFor({ state: "detached" });
  await edit.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("link", { name: "All contacts" }).click();

  // Sam watches the python contacts in his own book.
  await sam.page
    .getByRole("navigation", { name: "Pages" })
    .getByRole("link", { name: "Contacts", exact: true })
    .click();
  await sam.page.getByLabel("Tag", { exact: true }).fill("python");
  const samRows = sam.page.getByTestId("contact-row");
  await samRows.filter({ hasText: "Augusta King" }).waitFor();

  // Merge by hand: Augusta into Ada, after Escape once.
  await rows.filter({ hasText: "Ada Lovelace" }).getByRole("link").click();
  await page.getByRole("heading", { name: "Ada Lovelace" }).waitFor();
  const mergeButton = page.getByRole("button", { name: "Merge with…" });
  await mergeButton.click();
  const dialog = page.getByRole("dialog", {
    name: "Merge with another contact",
  });
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.ok(
    await mergeButton.evaluate((el) => el === document.activeElement),
    "Escape gives the focus back to Merge with…",
  );
  await mergeButton.click();
  await dialog.getByLabel("Find the other contact").fill("augusta");
  await dialog.getByRole("button", { name: "Augusta King" }).click();
  await dialog.getByText("Merge Augusta King into Ada Lovelace?").waitFor();
  await checkA11y(page, "contact-merge");
  // The focus stays in the dialog, however far Tab goes.
  for (let i = 0; i < 5; i += 1) {
    await page.keyboard.press("Tab");
    assert.ok(
      await dialog.evaluate((el) => el.contains(document.activeElement)),
      `Tab ${String(i + 1)} stays in the dialog`,
    );
  }
  await dialog.getByRole("button", { name: "Merge", exact: true }).click();
  await dialog.waitFor({ state: "detached" });
  await page
    .getByTestId("contact-phones")
    .filter({ hasText: "+442079460958" })
    .waitFor();
  await screenshot(page, "contact-page");
  await checkA11y(page, "contact-page");
  await page.getByRole("link", { name: "All contacts" }).click();
  await page.getByLabel("Tag", { exact: true }).fill("python");
  await page
    .getByTestId("contacts-state")
    .filter({ hasText: "1 contact" })
    .waitFor();
  assert.equal(await rows.filter({ hasText: "Augusta King" }).count(), 0);

  // Sam's list followed the merge live: Augusta gone, her phone on Ada.
  await samRows
    .filter({ hasText: "Augusta King" })
    .waitFor({ state: "detached" });
  await samRows
    .filter({ hasText: "Ada Lovelace" })
    .filter({ hasText: "+442079460958" })
    .waitFor();
  await sam.page
    .getByRole("navigation", { name: "Pages" })
    .getByRole("link", { name: "Inbox", exact: true })
    .click();

  // Live: Sam has the demo contact's conversation open; Maya renames the
  // contact in the book and Sam's panel follows.
  await openConversation(sam.page, DEMO_CONTACT);
  const samPanel = sam.page.getByRole("complementary", { name: "Contact" });
  await samPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: DEMO_CONTACT })
    .waitFor();
  await page.getByLabel("Tag", { exact: true }).fill("");
  await page.getByLabel("Search contacts").fill(DEMO_CONTACT);
  await rows.filter({ hasText: DEMO_CONTACT }).getByRole("link").click();
  await page.getByRole("heading", { name: DEMO_CONTACT }).waitFor();
  await page.getByTestId("contact-conversation").first().waitFor();
  await page.getByRole("button", { name: "Edit contact" }).click();
  await edit.getByLabel("Name").fill("Jordan Lee-Park");
  await edit.getByRole("button", { name: "Save contact" }).click();
  await page.getByRole("heading", { name: "Jordan Lee-Park" }).waitFor();
  await samPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: "Jordan Lee-Park" })
    .waitFor();
  await sam.page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Jordan Lee-Park" })
    .waitFor();

  // The contact's conversation opens in the inbox from its page.
  await page
    .getByTestId("contact-conversation")
    .first()
    .getByRole("button")
    .click();
  await page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("message")
    .first()
    .waitFor();

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
});
