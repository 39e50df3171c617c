// The Bots, Teams and Usage pages, end to end, as the demo Manager who
// also owns the demo account. Bots: she creates a bot, copies its token
// from the page (shown this once), and the Rust SDK's echo bot connects
// with it and answers her message in a conversation; she revokes the bot
// on the page and the bot's connection is closed with 4001 at once.
// Teams: she creates "Night shift", renames it, sees both in the team
// switcher, and removes it by typing its handle while it is the team she
// is on. Usage: the account's figures on the page are the server's.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  needsBrowser,
  screenshot,
  signIn,
  startServer,
  watchProblems,
} from "./harness.js";
import { connect } from "./raw.js";

const here = dirname(fileURLToPath(import.meta.url));
const ECHO_BOT =
  process.env.SWITCHBOARD_ECHO_BOT ??
  resolve(here, "../../../../target/debug/examples/echo_bot");
const CONTACT = "Jordan Lee";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 760 };

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
let chromium;
/** @type {import("node:child_process").ChildProcess | undefined} */
let bot;

before(async () => {
  server = await startServer();
});

after(async () => {
  if (bot?.exitCode === null) bot.kill();
  await chromium?.close();
  await server?.stop();
});

/**
 * Runs the SDK's echo bot with `token`; `output()` is what it printed so
 * far, `connected` resolves once it is subscribed to its team, `exited`
 * with its exit code.
 * @param {string} url
 * @param {string} token
 */
function runEchoBot(url, token) {
  if (!existsSync(ECHO_BOT)) {
    throw new Error(
      `no echo bot at ${ECHO_BOT}: build it with \`cargo build -p switchboard-client --examples\` (or set SWITCHBOARD_ECHO_BOT)`,
    );
  }
  const wsUrl = `${url.replace(/^http/, "ws")}/ws`;
  const child = spawn(ECHO_BOT, [wsUrl, token], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  bot = child;
  let printed = "";
  /** @type {() => void} */
  let subscribed = () => undefined;
  const connected = new Promise((done) => {
    subscribed = () => done(undefined);
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (/** @type {string} */ chunk) => {
      printed += chunk;
      if (/subscribed to Recruiting/.test(printed)) subscribed();
    });
  }
  /** @type {Promise<number | null>} */
  const exited = new Promise((done) => {
    child.on("exit", (code) => done(code));
  });
  return { connected, exited, output: () => printed };
}

/**
 * Waits for `promise`, or fails after `ms` saying what was awaited.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {() => string} what
 * @returns {Promise<T>}
 */
async function within(promise, ms, what) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const late = new Promise((_, failed) => {
    timer = setTimeout(() => failed(new Error(what())), ms);
  });
  try {
    return /** @type {T} */ (await Promise.race([promise, late]));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks the page at desktop and at phone size.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
async function checkBothSizes(page, name) {
  await checkA11y(page, name);
  await page.setViewportSize(PHONE);
  await checkA11y(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

test("Bots: a bot made on the page connects with the token copied from it, and Revoke closes it with 4001", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signIn(chromium.browser, server.url, DEMO);
  const { page } = maya;
  await maya.context.grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: server.url,
  });

  await page.getByRole("link", { name: "Bots" }).click();
  await page
    .getByRole("heading", { level: 1, name: "Bots · Recruiting" })
    .waitFor();
  await page.getByText("This team has no bots yet.").waitFor();

  // Created: the token shows once, with the warning, and copies.
  await page.getByLabel("Bot name").fill("Echo");
  await page.getByLabel("Scope").selectOption({ label: "Read and write" });
  await page.getByRole("button", { name: "Create bot" }).click();
  const panel = page.getByRole("region", { name: "Token of Echo" });
  await panel.getByText("you will not see it again").waitFor();
  const token = await panel
    .getByRole("textbox", { name: "Token of Echo" })
    .inputValue();
  assert.ok(token.length >= 20, `a token: ${token}`);
  await panel.getByRole("button", { name: "Copy" }).click();
  await panel.getByText("Copied to the clipboard.").waitFor();
  assert.equal(
    await page.evaluate(() => navigator.clipboard.readText()),
    token,
  );
  await screenshot(page, "bot-token");
  await checkBothSizes(page, "bot-token");

  const row = page.getByTestId("bot").filter({ hasText: "Echo" });
  await row.getByText("Active").waitFor();
  assert.match(await row.innerText(), /Read and write · created/);
  await panel.getByRole("button", { name: "Done" }).click();
  await panel.waitFor({ state: "detached" });
  // Shown once: gone with the panel, nowhere else on the page.
  assert.equal(
    await page.evaluate(
      (token) =>
        document.body.innerText.includes(token) ||
        [...document.querySelectorAll("input")].some((i) => i.value === token),
      token,
    ),
    false,
  );
  await screenshot(page, "bots");
  await checkBothSizes(page, "bots");

  // The bot connects with the token copied from the page, and answers.
  const echo = runEchoBot(server.url, token);
  await within(
    echo.connected,
    15_000,
    () => `the echo bot did not connect; it printed:\n${echo.output()}`,
  );
  await page.getByRole("link", { name: "Inbox" }).click();
  await page.getByTestId("dashboard-row").filter({ hasText: CONTACT }).click();
  const text = "Is anybody listening on this line?";
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.keyboard.press("Enter");
  await page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("message")
    .filter({ hasText: `echo: ${text}` })
    .waitFor();

  // Revoke: Escape first leaves it be, the focus back on its button.
  await page.getByRole("link", { name: "Bots" }).click();
  const revoke = row.getByRole("button", { name: "Revoke Echo" });
  await revoke.click();
  const dialog = page.getByRole("dialog", { name: "Revoke Echo?" });
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(
    await revoke.evaluate((el) => el === document.activeElement),
    true,
  );
  assert.equal(echo.output().includes("closed"), false);

  await revoke.click();
  await dialog.getByRole("button", { name: "Revoke bot" }).click();
  const code = await within(
    echo.exited,
    10_000,
    () => `the echo bot is still running; it printed:\n${echo.output()}`,
  );
  assert.equal(code, 0, echo.output());
  assert.match(echo.output(), /closed \(Some\(4001\)/);
  await row.getByText("Revoked").waitFor();
  assert.equal(await row.getByRole("button").count(), 0);

  // The server agrees: revoked, and its token says hello no more.
  const raw = await connect(page);
  const team = await page.evaluate(async () => {
    const session = await (await fetch("/api/session")).json();
    return session.teams.find((/** @type {any} */ t) => t.name === "Recruiting")
      .id;
  });
  const listed = await raw.call({ type: "bots", team });
  assert.deepEqual(
    listed.bots.map((/** @type {any} */ b) => [b.name, b.revoked]),
    [["Echo", true]],
  );
  await assert.rejects(connect(page, token), /closed 4001/);
  assert.deepEqual(maya.problems, []);
  await maya.context.close();
});

test("Teams and Usage: the owner creates, renames and removes a team; the account's figures are the server's", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const maya = await signIn(chromium.browser, server.url, DEMO);
  const { page } = maya;
  const switcher = page.getByRole("navigation", { name: "Teams" });

  await page.getByRole("link", { name: "Teams" }).click();
  await page.getByRole("heading", { level: 1, name: "Teams" }).waitFor();
  const list = page.getByTestId("account-team");
  await list.filter({ hasText: "Candidate Support" }).waitFor();
  assert.equal(await list.count(), DEMO.teams.length);

  // A handle already taken: refused, and nothing typed is lost.
  await page.getByLabel("Team name").fill("Night shift");
  await page.getByLabel("Handle").fill("recruiting");
  await page.getByLabel("Identity (optional)").fill("+1 555 0199");
  await page.getByRole("button", { name: "Create team" }).click();
  await page.getByRole("alert").filter({ hasText: /taken/ }).waitFor();
  assert.equal(await page.getByLabel("Team name").inputValue(), "Night shift");
  assert.equal(await list.count(), DEMO.teams.length);

  // Created: listed here and in the switcher.
  await page.getByLabel("Handle").fill("night-shift");
  await page.getByRole("button", { name: "Create team" }).click();
  await page.getByText("Night shift was created.").waitFor();
  await switcher.getByRole("button", { name: /Night shift/ }).waitFor();
  assert.match(
    await list.filter({ hasText: "Night shift" }).innerText(),
    /#night-shift · \+1 555 0199/,
  );
  await screenshot(page, "teams");
  await checkBothSizes(page, "teams");

  // Renamed: the switcher follows.
  await page.getByRole("button", { name: "Rename Night shift" }).click();
  const form = page.getByRole("form", { name: "Rename Night shift" });
  await form.getByLabel("Team name").fill("Late shift");
  await form.getByRole("button", { name: "Save" }).click();
  await switcher.getByRole("button", { name: /Late shift/ }).waitFor();
  assert.equal(
    await switcher.getByRole("button", { name: /Night shift/ }).count(),
    0,
  );
  const renamed = page.getByRole("button", { name: "Rename Late shift" });
  await renamed.waitFor();
  assert.equal(
    await renamed.evaluate((el) => el === document.activeElement),
    true,
  );

  // A second tab of hers shows the team too: the removal closes its
  // connection (4009), and it follows once reconnected, without a reload.
  const tab = await maya.context.newPage();
  const tabProblems = await watchProblems(tab, []);
  await tab.goto(`${server.url}/account/teams`);
  const tabSwitcher = tab.getByRole("navigation", { name: "Teams" });
  await tabSwitcher.getByRole("button", { name: /Late shift/ }).click();
  await tabSwitcher
    .locator("button[aria-current=true]")
    .filter({ hasText: "Late shift" })
    .waitFor();

  // Removed while it is the team shown: only its handle typed enables it.
  await switcher.getByRole("button", { name: /Late shift/ }).click();
  await page.getByRole("button", { name: "Remove Late shift" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove Late shift?" });
  const confirm = dialog.getByRole("button", { name: "Remove team" });
  const typed = dialog.getByRole("textbox");
  assert.equal(await confirm.isDisabled(), true);
  await typed.fill("Late shift");
  assert.equal(await confirm.isDisabled(), true);
  await checkBothSizes(page, "teams-remove");
  await typed.fill("night-shift");
  await confirm.click();
  await page.getByText("Late shift was removed.").waitFor();
  await dialog.waitFor({ state: "detached" });
  await list.filter({ hasText: "Late shift" }).waitFor({ state: "detached" });
  await switcher
    .getByRole("button", { name: /Late shift/ })
    .waitFor({ state: "detached" });
  assert.equal(await list.count(), DEMO.teams.length);
  // The page lives on, on a team that still exists; the other tab too.
  await switcher.locator("button[aria-current=true]").waitFor();
  await tabSwitcher
    .getByRole("button", { name: /Late shift/ })
    .waitFor({ state: "detached" });
  await tab
    .getByTestId("account-team")
    .filter({ hasText: "Late shift" })
    .waitFor({ state: "detached" });
  await tabSwitcher.locator("button[aria-current=true]").waitFor();
  assert.deepEqual(tabProblems, []);
  await tab.close();

  // Usage: the page's figures are the server's.
  await page.getByRole("link", { name: "Usage" }).click();
  const seats = page.getByTestId("usage-seats");
  await seats.waitFor();
  const raw = await connect(page);
  const session = await page.evaluate(async () =>
    (await fetch("/api/session")).json(),
  );
  const usage = await raw.call({
    type: "usage",
    account: session.accounts[0].id,
  });
  const unit = (/** @type {number} */ n, /** @type {string} */ word) =>
    `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
  assert.ok(usage.seats >= 3 && usage.messages > 0, JSON.stringify(usage));
  assert.equal(await seats.innerText(), unit(usage.seats, "seat"));
  assert.equal(
    await page.getByTestId("usage-messages").innerText(),
    unit(usage.messages, "message"),
  );
  assert.equal(
    await page.getByTestId("usage-blasts").innerText(),
    unit(usage.blasts, "blast"),
  );
  await page
    .getByTestId("usage-limits")
    .getByText(/Recruiting/)
    .waitFor();
  await screenshot(page, "usage");
  await checkBothSizes(page, "usage");
  assert.deepEqual(maya.problems, []);
});
