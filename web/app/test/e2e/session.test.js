// The browser session end to end, in a real Chromium against the real
// server: the login screen, a wrong password, a keyboard-only login into
// the signed-in shell with the demo Manager's teams, a team switch, a
// reload that stays signed in (the cookie), and a logout back to the
// login screen. No console error, no CSP violation on the way. Then a
// guessing streak on one email, which the server throttles: the login
// screen says to wait.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  checkA11yBothSizes,
  launchBrowser,
  needsBrowser,
  screenshot,
  startServer,
  watchProblems,
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

/** The failed requests these tests cause on purpose. */
const EXPECTED = [
  { status: 401, path: "/api/session" },
  { status: 401, path: "/api/login" },
  { status: 429, path: "/api/login" },
];

test("log in, switch team, reload, log out", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const context = await chromium.browser.newContext({
    viewport: { width: 1100, height: 700 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, EXPECTED);

  const response = await page.goto(`${server.url}/`);
  assert.ok(response, "the page loads");
  assert.equal(response.status(), 200);
  const policy = response.headers()["content-security-policy"] ?? "";
  assert.match(policy, /script-src 'self';/);
  assert.match(policy, /style-src 'self';/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);

  // Logged out: the login form, the email field focused.
  const email = page.getByLabel("Email");
  await email.waitFor();
  assert.equal(await page.title(), "Switchboard");
  assert.ok(
    await email.evaluate((el) => el === document.activeElement),
    "email is focused",
  );
  await screenshot(page, "login");
  await checkA11yBothSizes(page, "login");

  // A wrong password: an alert, still on the login form.
  await email.fill(DEMO.email);
  await page.getByLabel("Password").fill("not-the-demo-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "Wrong email or password." })
    .waitFor();
  await screenshot(page, "login-error");

  // The keyboard alone: the password, then Enter.
  await page.getByLabel("Password").fill("");
  await page.getByLabel("Password").focus();
  await page.keyboard.type(DEMO.password);
  await page.keyboard.press("Enter");

  // The shell: her name, her teams, the first one current, the inbox.
  await page.getByTestId("user-name").filter({ hasText: DEMO.name }).waitFor();
  const teams = page
    .getByRole("navigation", { name: "Teams" })
    .getByRole("button");
  assert.deepEqual(
    (await teams.allInnerTexts()).map((text) => text.split("\n")[0]),
    DEMO.teams,
  );
  assert.equal(await teams.nth(0).getAttribute("aria-current"), "true");
  await page.getByRole("heading", { level: 1, name: DEMO.teams[0] }).waitFor();
  await page.getByRole("region", { name: "Inbox" }).waitFor();

  // The session is in a cookie page scripts cannot read.
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "sb_session");
  assert.ok(
    session,
    `a session cookie among ${cookies.map((c) => c.name).join(", ")}`,
  );
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  assert.equal(
    await page.evaluate(() => document.cookie.includes("sb_")),
    false,
  );

  // Switch team from the keyboard: focus the second team, Enter.
  await teams.nth(1).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: DEMO.teams[1] }).waitFor();
  assert.equal(await teams.nth(1).getAttribute("aria-current"), "true");
  assert.equal(await teams.nth(0).getAttribute("aria-current"), null);
  await screenshot(page, "shell");
  await checkA11yBothSizes(page, "shell");

  // A reload keeps the session.
  await page.reload();
  await page.getByTestId("user-name").filter({ hasText: DEMO.name }).waitFor();

  // Logout: back to the login form, the cookie gone, and a reload stays out.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByLabel("Email").waitFor();
  assert.equal(
    (await context.cookies()).find((c) => c.name === "sb_session"),
    undefined,
  );
  await page.reload();
  await page.getByLabel("Email").waitFor();
  assert.equal(await page.getByTestId("user-name").count(), 0);

  assert.deepEqual(problems, []);
  await context.close();
});

test("too many wrong passwords: the login screen says to wait", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const context = await chromium.browser.newContext();
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, EXPECTED);
  await page.goto(`${server.url}/`);
  await page.getByLabel("Email").fill("sam@demo.switchboard.test");
  await page.getByLabel("Password").fill("not-the-demo-password");
  const alert = page.getByRole("alert");
  const submit = page.getByRole("button", { name: "Log in" });
  // The server allows a burst of 10 attempts per email (README): the
  // 11th is refused, at the latest.
  let refused = false;
  for (let attempt = 0; attempt < 15 && !refused; attempt += 1) {
    await submit.click();
    await alert.waitFor();
    await page
      .getByRole("button", { name: "Log in", disabled: false })
      .waitFor();
    refused = (await alert.innerText()).startsWith("Too many attempts");
  }
  assert.ok(refused, "the server throttled the guessing");
  assert.match(
    await alert.innerText(),
    /^Too many attempts\. Try again in \d+ s\.$/,
  );
  await screenshot(page, "login-throttled");
  assert.deepEqual(problems, []);
  await context.close();
});
