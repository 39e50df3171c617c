// Read markers set before the page opened: a demo Member reads the
// Manager's message live and leaves; the Manager opens the app again and,
// on opening the conversation, sees "Seen by" under that message at once,
// though no `read` event reached this page (the markers come with the
// conversation's details).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  launchBrowser,
  MEMBER,
  needsBrowser,
  openConversation,
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

/**
 * Signs in and opens the conversation with CONTACT from the dashboard.
 * @param {import("playwright-core").Browser} browser
 * @param {string} url
 * @param {{email: string, name: string}} who
 */
async function opened(browser, url, who) {
  const signedIn = await signIn(browser, url, who);
  await openConversation(signedIn.page);
  return signedIn;
}

test("a read marker set before the page opened shows as Seen by on open", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await opened(chromium.browser, server.url, DEMO);
  const sam = await opened(chromium.browser, server.url, MEMBER);

  // Maya writes; Sam, with it open, reads it: Maya sees it live.
  const text = "Can you confirm the start date?";
  await maya.page.getByRole("textbox", { name: "Message" }).fill(text);
  await maya.page.keyboard.press("Enter");
  await sam.page.getByTestId("message").filter({ hasText: text }).waitFor();
  const seen = maya.page.locator(
    `[data-testid=message]:has-text("${text}") + [data-testid=seen-by]`,
  );
  await seen.filter({ hasText: "Seen by Sam Member" }).waitFor();

  // Sam leaves; Maya opens the app afresh: no `read` event will come to
  // this page, yet Sam's marker shows on open.
  assert.deepEqual(sam.problems, []);
  await sam.context.close();
  await maya.page.reload();
  await openConversation(maya.page);
  await seen.filter({ hasText: "Seen by Sam Member" }).waitFor();
  assert.equal(await maya.page.getByTestId("seen-by").count(), 1);
  await screenshot(maya.page, "seen-by-on-open");

  assert.deepEqual(maya.problems, []);
  await maya.context.close();
});
