// Job posts end to end. The demo Member (Sam) keeps the posts list open
// while the demo Manager (Maya) creates two posts in the editor: both
// show in Sam's list live; one closed by Maya leaves Sam's list of open
// posts. Then both open the demo contact's conversation; Maya attaches
// the open post with the composer's picker (a dialog: Escape closes it
// and gives the focus back) and sends: the message shows as a card
// (title, location, link, status) for her and for Sam. A closed post is
// not offered by the picker, nor by the `^post ` command's helper, whose
// command sent carries the card as well.

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
 * Creates a post in the editor.
 * @param {import("playwright-core").Page} page
 * @param {{title: string, location: string, link: string}} post
 */
async function createPost(page, post) {
  await page.getByRole("button", { name: "New post" }).click();
  const form = page.getByRole("form", { name: "New post" });
  await form.getByLabel("Title").fill(post.title);
  await form.getByLabel("Location").fill(post.location);
  await form.getByLabel("Link").fill(post.link);
  await form.getByLabel("Description").fill("Build the switchboard.");
  await form.getByRole("button", { name: "Create post" }).click();
  await form.waitFor({ state: "detached" });
}

const BACKEND = {
  title: "Backend engineer",
  location: "Lisbon",
  link: "https://jobs.example.com/backend",
};
const DESIGNER = {
  title: "Product designer",
  location: "Remote",
  link: "https://jobs.example.com/design",
};

test("posts: created and closed live in another agent's list; a picked post shows as a card to both", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);
  const sam = await signedInOnDashboard(chromium.browser, server.url, MEMBER);

  await pageLink(sam.page, "Job posts").click();
  // Loaded (the demo's posts, if any), before Maya writes.
  await sam.page
    .getByRole("status")
    .filter({ hasText: /post\(s\)|No post here yet/ })
    .waitFor();
  await pageLink(maya.page, "Job posts").click();
  await createPost(maya.page, BACKEND);
  await createPost(maya.page, DESIGNER);
  const samRows = sam.page.getByTestId("post-row");
  await samRows.filter({ hasText: BACKEND.title }).waitFor();
  await samRows.filter({ hasText: DESIGNER.title }).waitFor();
  await screenshot(maya.page, "posts");
  await checkA11yBothSizes(maya.page, "posts");

  // Closed by Maya: it leaves Sam's open posts, and shows under closed.
  await maya.page
    .getByRole("button", { name: `Edit ${DESIGNER.title}` })
    .click();
  const editor = maya.page.getByRole("form", { name: "Edit post" });
  await editor.getByLabel("Status").selectOption("closed");
  await editor.getByRole("button", { name: "Save post" }).click();
  await samRows
    .filter({ hasText: DESIGNER.title })
    .waitFor({ state: "detached" });
  assert.equal(await samRows.filter({ hasText: BACKEND.title }).count(), 1);
  await sam.page.getByLabel("Show").selectOption("closed");
  await samRows
    .filter({ hasText: DESIGNER.title })
    .filter({ hasText: "closed" })
    .waitFor();

  // The picker in the composer: the open post only.
  await pageLink(maya.page, "Inbox").click();
  await pageLink(sam.page, "Inbox").click();
  await openConversation(maya.page, DEMO_CONTACT);
  await openConversation(sam.page, DEMO_CONTACT);
  const attach = maya.page.getByRole("button", { name: "Attach post" });
  await attach.click();
  const picker = maya.page.getByRole("dialog", { name: "Attach a job post" });
  await picker.getByRole("button", { name: BACKEND.title }).waitFor();
  assert.equal(
    await picker.getByRole("button", { name: DESIGNER.title }).count(),
    0,
  );
  await maya.page.keyboard.press("Escape");
  await picker.waitFor({ state: "detached" });
  assert.ok(
    await attach.evaluate((el) => el === document.activeElement),
    "Escape gives the focus back to Attach post",
  );
  await attach.click();
  await picker.getByLabel("Search open posts").fill("backend");
  await checkA11y(maya.page, "post-picker");
  await picker.getByRole("button", { name: BACKEND.title }).click();
  await maya.page
    .getByTestId("attached-post")
    .filter({ hasText: BACKEND.title })
    .waitFor();
  const box = maya.page.getByRole("textbox", { name: "Message" });
  await box.fill("This one fits you");
  await box.press("Enter");

  for (const who of [maya, sam]) {
    const card = who.page
      .getByRole("region", { name: "Conversation" })
      .getByTestId("post-card")
      .filter({ hasText: BACKEND.title });
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /Lisbon/);
    assert.match(text, /open/i);
    assert.equal(
      await card.getByRole("link", { name: BACKEND.link }).getAttribute("href"),
      BACKEND.link,
    );
  }
  await sam.page
    .getByTestId("message")
    .filter({ hasText: "This one fits you" })
    .waitFor();
  assert.equal(await maya.page.getByTestId("attached-post").count(), 0);
  await screenshot(sam.page, "post-card");

  // ^post: the command's helper offers the open posts; the command sent
  // carries the card too.
  await box.pressSequentially("^post ");
  await maya.page
    .getByRole("option", { name: new RegExp(BACKEND.title) })
    .waitFor();
  // Narrowed by the title's first letters.
  await box.pressSequentially("back");
  await maya.page
    .getByRole("option", { name: new RegExp(BACKEND.title) })
    .waitFor();
  assert.equal(
    await maya.page
      .getByRole("option", { name: new RegExp(DESIGNER.title) })
      .count(),
    0,
  );
  await maya.page.keyboard.press("Enter");
  assert.match(await box.inputValue(), /^\^post \d+ $/);
  await box.pressSequentially("Still open, apply today");
  await box.press("Enter");
  for (const who of [maya, sam]) {
    await who.page
      .locator('[data-testid=message][data-state="sent"]')
      .filter({ hasText: "Still open, apply today" })
      .getByTestId("post-card")
      .filter({ hasText: BACKEND.title })
      .waitFor();
  }

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
});
