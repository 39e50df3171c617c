// A long dashboard stays put under live updates: with more rows loaded
// than a live read follows (1,300 conversations; a live read re-reads at
// most 1,000), a contact writing in a new conversation at the top neither
// shrinks the list nor moves a reader scrolled down past row 1,000.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { seed } from "../../bench/seed.js";
import { contactWrites } from "./contacts.js";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  needsBrowser,
  signIn,
  startServer,
  watchProblems,
} from "./harness.js";

const CONVERSATIONS = 1300;

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
let chromium;

before(async () => {
  // The seeding sends as fast as the server answers.
  server = await startServer([
    "--rate-per-connection",
    "0",
    "--rate-per-user",
    "0",
  ]);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

/**
 * Scrolls the dashboard's list to its end, page after page, until no page
 * is left to load; bounded by the test's timeout.
 * @param {import("playwright-core").Page} page
 */
async function scrollToEnd(page) {
  const list = page.locator("ul.rows");
  for (let step = 0; step < 2000; step++) {
    const done = await list.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
      return (
        document.querySelector(".dashboard > button.secondary") === null &&
        el.scrollTop + el.clientHeight >= el.scrollHeight - 1
      );
    });
    if (done) return;
    await page.waitForTimeout(50);
  }
  throw new Error("the dashboard never reached its end");
}

/**
 * The place in the list of the last row drawn, and the list's size.
 * @param {import("playwright-core").Page} page
 */
async function lastDrawn(page) {
  return page
    .locator("ul.rows > li[aria-posinset]")
    .last()
    .evaluate((li) => ({
      at: Number(li.getAttribute("aria-posinset")),
      of: Number(li.getAttribute("aria-setsize")),
    }));
}

/**
 * The row drawn in the middle of the list's view: its contact's name and
 * its place.
 * @param {import("playwright-core").Page} page
 */
async function middleRow(page) {
  return page.locator("ul.rows").evaluate((el) => {
    const box = el.getBoundingClientRect();
    const middle = box.top + box.height / 2;
    for (const li of el.querySelectorAll("li[aria-posinset]")) {
      const r = li.getBoundingClientRect();
      if (r.top <= middle && r.bottom >= middle) {
        return {
          at: Number(li.getAttribute("aria-posinset")),
          name: li.querySelector(".row-name")?.textContent ?? "",
        };
      }
    }
    throw new Error("no row in the middle of the view");
  });
}

test("a dashboard longer than a live read keeps its rows and its place when a conversation moves", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const seeder = await signIn(chromium.browser, server.url, DEMO);
  await seed(seeder.page, server.url, {
    teamName: DEMO.teams[0] ?? "Recruiting",
    conversations: CONVERSATIONS,
    big: "Big History",
    messages: 1,
  });
  const session = await seeder.context.storageState();
  await seeder.context.close();

  const context = await chromium.browser.newContext({
    viewport: { width: 1200, height: 760 },
    storageState: session,
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, []);
  await page.goto(`${server.url}/`);
  await page.getByTestId("dashboard-row").first().waitFor();

  await scrollToEnd(page);
  const end = await lastDrawn(page);
  // The demo's own conversations come on top of the seeded ones.
  assert.ok(end.at > CONVERSATIONS, `the end is row ${String(end.at)}`);
  assert.equal(end.of, end.at, "the whole list is loaded");

  // Back up about 200 rows: past row 1,000, far from the end.
  const list = page.locator("ul.rows");
  await list.evaluate((el) => {
    el.scrollTop -= 200 * 64;
  });
  await page.waitForTimeout(300);
  const watched = await middleRow(page);
  assert.ok(watched.at > 1000, `the view is at row ${String(watched.at)}`);

  // A contact writes in a new conversation, on top: the list is read live
  // again, one longer.
  await contactWrites(page, DEMO.teams[0] ?? "Recruiting", {
    name: "Live Mover",
    says: "Hello, is anyone there?",
  });
  await page.waitForFunction(
    (size) =>
      Number(
        document
          .querySelector("ul.rows > li[aria-setsize]")
          ?.getAttribute("aria-setsize"),
      ) === size,
    end.of + 1,
  );
  // The row the reader was looking at is still in view, one place down.
  const row = page
    .getByTestId("dashboard-row")
    .filter({ hasText: watched.name });
  const box = await row.boundingBox();
  const view = await list.boundingBox();
  assert.ok(box !== null && view !== null, `${watched.name} is drawn`);
  assert.ok(
    box.y + box.height > view.y && box.y < view.y + view.height,
    `${watched.name} is still in view`,
  );
  await checkA11y(page, "dashboard-long");
  assert.deepEqual(problems, []);
  await context.close();
});
