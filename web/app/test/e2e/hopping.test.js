// Chat hopping with the keyboard alone, end to end. Three contacts write
// to the Recruiting team (through a bot posting as each contact, as an
// SMS gateway would), so three conversations wait. After logging in, the
// demo Manager uses no mouse: `j` opens the one waiting longest with the
// focus in the composer; she answers (Enter sends), leaves the composer
// with Escape, and `j` opens the next, through all three; then `j` says
// nothing needs her; `k` goes back to the conversation before, and Alt+P
// (from the composer) to the one before that. Ctrl+K opens the palette:
// Escape closes it, the focus back where it was; part of a name and
// Enter open that conversation. `?` shows every shortcut; Tab stays
// inside; Escape closes it, the focus back where it was. Last, the
// palette switches to the other team.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  checkA11y,
  launchBrowser,
  needsBrowser,
  screenshot,
  signIn,
  startServer,
} from "./harness.js";
import { contactWrites } from "./contacts.js";

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

/** The waiting contacts, the longest waiting first, and what each wrote. */
const WAITING = [
  { name: "Quinn Baxter", says: "Is the night shift still hiring?" },
  { name: "Rosa Delgado", says: "Can I bring my own safety boots?" },
  { name: "Theo Nakamura", says: "Where do I park on the first day?" },
];

/**
 * Waits until the element with focus is the one `locator` finds.
 * @param {import("playwright-core").Locator} locator
 */
async function focused(locator) {
  const handle = await locator.elementHandle();
  await locator
    .page()
    .waitForFunction((el) => document.activeElement === el, handle);
}

test("keyboard-only hopping: next through three waiting, previous, palette, help", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const { context, page, problems } = await signIn(
    chromium.browser,
    server.url,
    DEMO,
  );
  // One after another: the first written waits longest.
  for (const contact of WAITING) {
    await contactWrites(page, "Recruiting", contact);
  }
  const rows = page.getByTestId("dashboard-row");
  for (const contact of WAITING) {
    await rows.filter({ hasText: contact.name }).waitFor();
  }

  const conversation = page.getByRole("region", { name: "Conversation" });
  const composer = page.getByRole("textbox", { name: "Message" });
  const messages = conversation.getByRole("list", { name: "Messages" });
  const selected = page.locator(
    '[data-testid=dashboard-row][aria-current="true"]',
  );
  /**
   * Waits until the conversation with `contact` is the one open.
   * @param {{name: string, says: string}} contact
   */
  async function showing(contact) {
    await conversation
      .getByTestId("message")
      .filter({ hasText: contact.says })
      .waitFor();
    await selected.filter({ hasText: contact.name }).waitFor();
  }

  // From the inbox's heading, where the login leaves the focus.
  await focused(page.getByRole("heading", { level: 1 }));
  for (const [i, contact] of WAITING.entries()) {
    await page.keyboard.press("j");
    await showing(contact);
    // Opened by the keyboard, the composer has the focus: type at once.
    await focused(composer);
    const reply = `On it, ${contact.name.split(" ")[0] ?? ""} (${String(i)})`;
    await page.keyboard.type(reply);
    await page.keyboard.press("Enter");
    await conversation
      .locator('[data-testid=message][data-state="sent"]')
      .filter({ hasText: reply })
      .waitFor();
    // Escape leaves the composer for the messages, and the focus stays
    // there while the dashboard reorders (the row answered moves).
    await page.keyboard.press("Escape");
    await rows
      .filter({ hasText: contact.name })
      .locator(".status-open")
      .waitFor();
    await focused(messages);
  }

  // All three answered: nothing waits.
  await page.keyboard.press("j");
  await page
    .getByRole("status")
    .filter({ hasText: "Nothing needs you right now." })
    .waitFor();
  assert.match(await selected.innerText(), /Theo Nakamura/);

  // `k` goes back to the conversation opened before.
  await page.keyboard.press("k");
  await showing(WAITING[1] ?? assert.fail());
  await focused(composer);
  // Alt+P does the same, from inside the composer, and again.
  await page.keyboard.press("Alt+p");
  await showing(WAITING[0] ?? assert.fail());
  await focused(composer);

  // The palette, from the composer: Escape gives the focus back.
  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Command palette" });
  const search = palette.getByRole("combobox");
  await focused(search);
  await page.keyboard.press("Escape");
  await palette.waitFor({ state: "detached" });
  await focused(composer);

  // Part of a name, Enter: that conversation opens, ready to type.
  await page.keyboard.press("Control+k");
  await focused(search);
  await page.keyboard.type("nakam");
  const options = palette.getByRole("option");
  await options.filter({ hasText: "Theo Nakamura" }).waitFor();
  assert.equal(await options.count(), 1);
  const active = await search.getAttribute("aria-activedescendant");
  assert.equal(
    await palette.locator(`[id="${String(active)}"]`).innerText(),
    await options.first().innerText(),
  );
  await screenshot(page, "palette");
  await checkA11y(page, "palette");
  await page.keyboard.press("Enter");
  await palette.waitFor({ state: "detached" });
  await showing(WAITING[2] ?? assert.fail());
  await focused(composer);

  // Help: every shortcut listed; Escape closes it, the focus back.
  await page.keyboard.press("Escape");
  await focused(messages);
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await help.waitFor();
  const listed = await help.innerText();
  for (const expected of [
    /j\s+or\s+Alt\s*\+\s*N/,
    /k\s+or\s+Alt\s*\+\s*P/,
    /Ctrl\s*\+\s*K/,
    /Shift\s*\+\s*Enter/,
    /Send the message/,
    /Esc/,
  ]) {
    assert.match(listed, expected);
  }
  await screenshot(page, "help");
  await checkA11y(page, "help");
  // The focus stays inside while it shows: Tab wraps round to Close.
  const close = help.getByRole("button", { name: "Close" });
  await focused(close);
  await page.keyboard.press("Tab");
  await focused(close);
  await page.keyboard.press("Escape");
  await help.waitFor({ state: "detached" });
  await focused(messages);

  // The palette's actions: another team, by part of its name.
  await page.keyboard.press("Control+k");
  await focused(search);
  await page.keyboard.type("candidate");
  await options
    .filter({ hasText: "Switch to team Candidate Support" })
    .waitFor();
  await page.keyboard.press("Enter");
  await palette.waitFor({ state: "detached" });
  const heading = page.getByRole("heading", { level: 1 });
  await heading.filter({ hasText: "Candidate Support" }).waitFor();
  await focused(heading);

  assert.deepEqual(problems, []);
  await context.close();
});
