// What the web chat's browser tests share: the demo team's chat page in
// a contact's own context, the texts each side shows, and the widget's
// settings set as the Manager.

import assert from "node:assert/strict";
import { watchProblems } from "./harness.js";
import { connect } from "./raw.js";

/** The demo Recruiting team's handle. */
export const HANDLE = "recruiting";

/**
 * A contact's browser context on the team's chat page.
 * @param {import("playwright-core").Browser} browser
 * @param {string} url
 */
export async function contactPage(browser, url) {
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
export async function chatTexts(page) {
  return page
    .getByTestId("chat-message")
    .locator(".chat-body")
    .allTextContents();
}

/**
 * The texts of the agent's open conversation, in order.
 * @param {import("playwright-core").Page} page
 */
export async function agentTexts(page) {
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
export async function until(read, expected) {
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
export async function teamOf(page) {
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
export async function setWidget(page, team, settings) {
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
