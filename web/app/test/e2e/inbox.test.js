// The inbox end to end: two agents, the demo Manager and a demo Member,
// each in a browser context of their own, open the same conversation from
// the dashboard (reading it clears its unread count), and see each other
// typing. One sends: the message shows at once as pending, then
// sent; the other sees it arrive live. After a reload it shows once. The
// Member hops to the next conversation with the keyboard. Then the server
// goes away while a message is pending: a banner says so, and once it is
// back the message is sent, once. A refused command shows failed, with a
// retry.

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

const CONTACT = DEMO_CONTACT;

test("two agents chat live; pending then sent; no doubles after a reload", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);
  const sam = await signedInOnDashboard(chromium.browser, server.url, MEMBER);

  // The dashboard: the demo conversations, waiting, with unread counts.
  const row = maya.page
    .getByTestId("dashboard-row")
    .filter({ hasText: CONTACT });
  const shown = await row.innerText();
  assert.match(shown, /open/);
  assert.match(shown, /last message \d+ s ago/);
  assert.equal(await row.locator(".unread").innerText(), "2");
  await screenshot(maya.page, "dashboard");
  await checkA11yBothSizes(maya.page, "dashboard");

  await openConversation(maya.page);
  await openConversation(sam.page);

  // Opened, it is read: the unread count leaves Maya's row.
  await row.locator(".unread").waitFor({ state: "detached" });

  // Sam types; Maya sees it.
  await sam.page
    .getByRole("textbox", { name: "Message" })
    .pressSequentially("Le");
  await maya.page
    .getByTestId("typing")
    .filter({ hasText: "Sam Member is typing…" })
    .waitFor();

  // Every state each of Maya's messages shows, in order, from now on.
  await maya.page.evaluate(() => {
    /** @type {string[]} */
    const seen = [];
    Object.assign(window, { seenStates: seen });
    new MutationObserver(() => {
      for (const el of document.querySelectorAll(
        "[data-testid=message][data-state]",
      )) {
        if (!el.textContent?.includes("Tuesday at ten")) continue;
        const state = el.getAttribute("data-state") ?? "";
        if (seen.at(-1) !== state) seen.push(state);
      }
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });

  const text = "Tuesday at ten works for the interview";
  await maya.page.getByRole("textbox", { name: "Message" }).fill(text);
  await maya.page.keyboard.press("Enter");

  const mine = maya.page.getByTestId("message").filter({ hasText: text });
  const theirs = sam.page.getByTestId("message").filter({ hasText: text });
  await theirs.waitFor();
  await maya.page
    .locator('[data-testid=message][data-state="sent"]')
    .filter({ hasText: text })
    .waitFor();
  const states = await maya.page.evaluate(
    () => /** @type {{seenStates: string[]}} */ (window).seenStates,
  );
  assert.equal(states[0], "pending", `states seen: ${states.join(", ")}`);
  assert.equal(states.at(-1), "sent", `states seen: ${states.join(", ")}`);
  assert.ok(!states.includes("failed"));
  assert.equal(await mine.count(), 1);
  assert.equal(await theirs.count(), 1);
  assert.match(await theirs.innerText(), /Maya Manager/);
  await screenshot(maya.page, "conversation");
  await checkA11yBothSizes(maya.page, "conversation");
  await screenshot(sam.page, "conversation-other-agent");

  // A reload: still there, once.
  await maya.page.reload();
  await maya.page.getByTestId("dashboard-row").first().waitFor();
  await openConversation(maya.page);
  await mine.waitFor();
  assert.equal(await mine.count(), 1);
  assert.equal(await mine.getAttribute("data-state"), "sent");

  // Sam answers; Maya sees it live.
  await sam.page
    .getByRole("textbox", { name: "Message" })
    .fill("I will call them");
  await sam.page.getByRole("textbox", { name: "Message" }).press("Enter");
  await maya.page
    .getByTestId("message")
    .filter({ hasText: "I will call them" })
    .waitFor();
  assert.equal(await theirs.count(), 1);

  // Keyboard hopping: out of the composer, `j` opens the next conversation.
  await sam.page.getByRole("heading", { level: 1 }).focus();
  await sam.page.keyboard.press("j");
  await sam.page
    .getByTestId("dashboard-row")
    .and(sam.page.locator('[aria-current="true"]'))
    .waitFor();

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
  await maya.context.close();
  await sam.context.close();
});

test("the server restarts with a message pending: a banner, then sent once", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);
  await openConversation(maya.page, "Priya Raman");

  const restarted = server.restart(2_000);
  const banner = maya.page.getByTestId("link-banner");
  await banner.filter({ hasText: "Disconnected" }).waitFor();
  await screenshot(maya.page, "reconnecting");
  await checkA11y(maya.page, "reconnecting");

  const text = "Sent while the server was away";
  await maya.page.getByRole("textbox", { name: "Message" }).fill(text);
  await maya.page.keyboard.press("Enter");
  const mine = maya.page.getByTestId("message").filter({ hasText: text });
  assert.equal(await mine.getAttribute("data-state"), "pending");

  await restarted;
  await maya.page
    .locator('[data-testid=message][data-state="sent"]')
    .filter({ hasText: text })
    .waitFor({ timeout: 30_000 });
  await banner.waitFor({ state: "detached" });
  assert.equal(await mine.count(), 1);

  await maya.page.reload();
  await openConversation(maya.page, "Priya Raman");
  await mine.waitFor();
  assert.equal(await mine.count(), 1);

  // A command the server refuses: failed, with the reason and a retry.
  const command = "^assign @nobody-by-that-handle";
  await maya.page.getByRole("textbox", { name: "Message" }).fill(command);
  await maya.page.keyboard.press("Enter");
  const refused = maya.page
    .locator('[data-testid=message][data-state="failed"]')
    .filter({ hasText: command });
  await refused.waitFor();
  assert.match(await refused.innerText(), /Not sent: /);
  await screenshot(maya.page, "message-failed");
  await refused.getByRole("button", { name: "Retry" }).click();
  await refused.waitFor();
  assert.equal(
    await maya.page.getByTestId("message").filter({ hasText: command }).count(),
    1,
  );
  await maya.context.close();
});
