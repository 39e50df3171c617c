// A sign-up end to end: from the login screen to the sign-up page, a
// password the server refuses (its rule shown as it says it), then "check
// your mail". The mail, caught by an SMTP sink (harness), carries a link to
// the confirmation page; a made-up link is refused as unknown, used or
// expired, with a way back to the sign-up page. The real one signs the new
// owner in; they belong to no team, so the app offers "Create your first
// team": a taken handle is refused by its field, a free one makes the team
// (once, though its answer is lost and the request retried) and its empty
// inbox shows. Logged out, the same link again says the
// sign-up is already confirmed, on the login form, where the password
// signs them back in to their team.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11yBothSizes,
  launchBrowser,
  needsBrowser,
  screenshot,
  smtpSink,
  startServerWithMail,
  watchProblems,
} from "./harness.js";

const OWNER = {
  name: "Ana Owner",
  email: "ana@acme.test",
  password: "correct horse battery",
  account: "Acme",
};
const TEAM = "Acme Recruiting";

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

test("a newcomer signs up, confirms by mail, creates their first team, and logs in again", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  const url = server.url;
  chromium = await launchBrowser();
  const context = await chromium.browser.newContext({
    viewport: { width: 1200, height: 760 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, [
    { status: 401, path: "/api/session" },
    { status: 400, path: "/api/signup" },
    { status: 401, path: "/api/signup/confirm" },
    { status: 409, path: "/api/signup/confirm" },
  ]);

  // From the login screen to the sign-up page, and back, and there again.
  await page.goto(`${url}/`);
  await page.getByRole("link", { name: "Create an account" }).click();
  const signupTitle = page.getByRole("heading", {
    name: "Create a Switchboard account",
  });
  await signupTitle.waitFor();
  assert.equal(new URL(page.url()).pathname, "/signup");
  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Log in to Switchboard" }).waitFor();
  await page.goBack();
  await signupTitle.waitFor();

  // A password too short: the server's rule, and nothing typed is lost.
  await page.getByLabel("Your name").fill(OWNER.name);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill("too short");
  await page.getByLabel("Account name").fill(OWNER.account);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "at least 10 characters" })
    .waitFor();
  assert.equal(await page.getByLabel("Your name").inputValue(), OWNER.name);
  assert.equal(await page.getByLabel("Account name").inputValue(), "Acme");
  await screenshot(page, "signup");
  await checkA11yBothSizes(page, "signup");

  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("heading", { name: "Check your mail" }).waitFor();
  await page
    .getByText(
      `If the address ${OWNER.email} can be used, a mail is on its way`,
    )
    .waitFor();
  await screenshot(page, "signup-check-mail");
  await checkA11yBothSizes(page, "signup-check-mail");

  // The mail's link is to this server's confirmation page.
  const mail = await sink.find(/To: ana@acme\.test/);
  const link = /http:\/\/\S+\/signup\/confirm#token=sbs_[0-9a-f]{64}/.exec(
    mail,
  );
  assert.ok(link !== null, `no confirmation link in: ${mail}`);
  assert.ok(link[0].startsWith(url), link[0]);

  // A made-up link says so, and leads back to the sign-up page.
  await page.goto(`${url}/signup/confirm#token=sbs_${"0".repeat(64)}`);
  await page
    .getByRole("alert")
    .filter({ hasText: "This link is unknown, used or expired" })
    .waitFor();
  assert.ok(!page.url().includes("sbs_"), page.url());
  await page.getByRole("link", { name: "Sign up again" }).click();
  await signupTitle.waitFor();

  // The answer to the first team's creation is lost with its connection
  // (cut here, after the server made the team): the app's retry, on the
  // next connection, must get that team back, not a second one, nor a
  // "handle taken" for its own.
  let lost = 0;
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((message) => {
      upstream.send(message);
    });
    upstream.onMessage((message) => {
      const text = String(message);
      if (lost === 0 && text.includes('"handle":"acme-recruiting"')) {
        lost += 1;
        void ws.close({ code: 1011, reason: "connection lost" });
        void upstream.close();
        return;
      }
      ws.send(message);
    });
  });

  // The real link: signed in, the token out of the address bar, no team.
  await page.goto(link[0]);
  await page.getByTestId("user-name").filter({ hasText: OWNER.name }).waitFor();
  assert.ok(!page.url().includes("sbs_"), page.url());
  assert.equal(new URL(page.url()).pathname, "/");
  const firstTeam = page.getByRole("form", { name: "Create your first team" });
  await firstTeam.waitFor();
  assert.equal(await page.getByTestId("no-grants").count(), 0);

  // A taken handle (the demo's Recruiting) is refused by its field.
  await firstTeam.getByLabel("Team name").fill("Recruiting");
  const handle = firstTeam.getByLabel("Handle");
  assert.equal(await handle.inputValue(), "recruiting");
  await firstTeam.getByRole("button", { name: "Create the team" }).click();
  await firstTeam
    .getByRole("alert")
    .filter({ hasText: "“recruiting” is taken" })
    .waitFor();
  assert.equal(await handle.getAttribute("aria-invalid"), "true");

  // A free one makes the team, and its inbox shows, empty.
  await firstTeam.getByLabel("Team name").fill(TEAM);
  await handle.fill("acme-recruiting");
  await firstTeam.getByLabel("Chat identity (optional)").fill("+1 555 0199");
  await screenshot(page, "first-team");
  await checkA11yBothSizes(page, "first-team");
  await firstTeam.getByRole("button", { name: "Create the team" }).click();
  const teams = page.getByRole("navigation", { name: "Teams" });
  await teams.getByRole("button", { name: TEAM }).waitFor();
  await page.getByRole("heading", { level: 1, name: TEAM }).waitFor();
  await page.getByText("No conversations here.").waitFor();
  assert.equal(await firstTeam.count(), 0);
  assert.equal(
    await page.evaluate(() => document.activeElement?.id),
    "inbox-title",
  );
  assert.equal(await teams.getByRole("button").count(), 1);
  assert.equal(lost, 1, "the answer to create_team was cut off once");

  // Logged out, the same link again: already confirmed, log in.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { name: "Log in to Switchboard" }).waitFor();
  await page.goto(link[0]);
  await page
    .getByRole("status")
    .filter({ hasText: "already confirmed: log in with your password" })
    .waitFor();
  assert.ok(!page.url().includes("sbs_"), page.url());
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("user-name").filter({ hasText: OWNER.name }).waitFor();
  await teams.getByRole("button", { name: TEAM }).waitFor();
  await page.getByText("No conversations here.").waitFor();
  assert.equal(await teams.getByRole("button").count(), 1);

  assert.deepEqual(problems, []);
  await context.close();
});

test("too many sign-ups for one address: the page says to wait", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const context = await chromium.browser.newContext();
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, [
    { status: 401, path: "/api/session" },
    { status: 429, path: "/api/signup" },
  ]);
  await page.goto(`${server.url}/signup`);
  await page.getByLabel("Your name").fill("Flo Od");
  await page.getByLabel("Email").fill("flood@acme.test");
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByLabel("Account name").fill("Flood");
  // The server allows a burst of 10 attempts per email (README): the
  // 11th is refused, at the latest. Each other one is "check your mail",
  // and "Sign up again" brings the form back as it was.
  const alert = page.getByRole("alert");
  let refused = false;
  for (let attempt = 0; attempt < 15 && !refused; attempt += 1) {
    await page.getByRole("button", { name: "Sign up" }).click();
    const outcome = await Promise.race([
      alert.waitFor().then(() => "alert"),
      page
        .getByRole("heading", { name: "Check your mail" })
        .waitFor()
        .then(() => "mail"),
    ]);
    if (outcome === "mail") {
      await page.getByRole("button", { name: "Sign up again" }).click();
      assert.equal(
        await page.getByLabel("Email").inputValue(),
        "flood@acme.test",
      );
      continue;
    }
    refused = true;
  }
  assert.ok(refused, "the server throttled the sign-ups");
  assert.match(
    await alert.innerText(),
    /^Too many attempts\. Try again in \d+ s\.$/,
  );
  await screenshot(page, "signup-throttled");
  assert.deepEqual(problems, []);
  await context.close();
});
