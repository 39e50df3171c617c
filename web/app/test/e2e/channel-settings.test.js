// The channels' management pages end to end. The demo Manager (Maya) sets
// the Recruiting team's web chat (paused, a greeting, allowed origins: a
// line that is no origin is pointed at and blocks Save) and finds them
// again after a reload, with the embed line and the chat page's link for
// the team's handle; the demo Member (Sam) sees Blasts but neither Web
// chat nor Bridges. She creates a webhook bridge: its signing secret
// shows once, with the inbound address; after Done and a reload the
// bridge is listed and its secret is nowhere.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  MEMBER,
  needsBrowser,
  pageLink,
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

test("web chat settings persist across a reload; Members see neither Web chat nor Bridges", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const url = server.url;
  const { page, problems } = await signedInOnDashboard(
    chromium.browser,
    url,
    DEMO,
  );

  await pageLink(page, "Web chat").click();
  const form = page.getByRole("form", { name: "Settings" });
  const paused = form.getByRole("switch", { name: "Paused" });
  await paused.waitFor();
  assert.equal(await paused.isChecked(), false);
  await paused.check();
  await form.getByLabel("Greeting").fill("Hi! Ask us about open roles.");
  const origins = form.getByLabel("Allowed origins");
  await origins.fill("https://example.com\nexample.org");
  await form
    .getByRole("alert")
    .filter({ hasText: "Line 2, example.org: not an address" })
    .waitFor();
  const save = form.getByRole("button", { name: "Save settings" });
  assert.equal(await save.isDisabled(), true);
  await origins.fill("https://example.com\nhttps://jobs.example.org/\n");
  await save.click();
  await form.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal(
    await page.getByTestId("embed-snippet").inputValue(),
    `<script src="${url}/widget.js" data-team="recruiting" async></script>`,
  );
  assert.equal(
    await page
      .getByRole("link", { name: `${url}/chat/recruiting` })
      .getAttribute("href"),
    `${url}/chat/recruiting`,
  );
  await checkA11y(page, "webchat-settings");

  await page.reload();
  await paused.waitFor();
  assert.equal(await paused.isChecked(), true);
  assert.equal(
    await form.getByLabel("Greeting").inputValue(),
    "Hi! Ask us about open roles.",
  );
  assert.equal(
    await origins.inputValue(),
    "https://example.com\nhttps://jobs.example.org",
  );

  // A Member: Blasts, but not the Managers' pages.
  const sam = await signedInOnDashboard(chromium.browser, url, MEMBER);
  await pageLink(sam.page, "Blasts").waitFor();
  assert.equal(await pageLink(sam.page, "Web chat").count(), 0);
  assert.equal(await pageLink(sam.page, "Bridges").count(), 0);
  assert.deepEqual(sam.problems, []);
  assert.deepEqual(problems, []);
});

test("bridges: a new bridge's secret shows once, with the inbound address", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const url = server.url;
  const { page, problems } = await signedInOnDashboard(
    chromium.browser,
    url,
    DEMO,
  );
  // A bridge: its secret once.
  await pageLink(page, "Bridges").click();
  await page.getByText("This team has no bridges yet.").waitFor();
  const create = page.getByRole("form", { name: "New bridge" });
  await create.getByLabel("Bridge name").fill("SMS gateway");
  await create.getByLabel("Outbound URL").fill("not a url");
  await create.getByRole("button", { name: "Create bridge" }).click();
  // The browser's own check of a URL field, or ours: nothing is made.
  assert.equal(await page.getByTestId("bridge-secret").count(), 0);
  await create
    .getByLabel("Outbound URL")
    .fill("http://127.0.0.1:9/sms/outbound");
  await create.getByRole("button", { name: "Create bridge" }).click();
  const panel = page.getByTestId("bridge-secret");
  await panel.getByRole("heading", { name: "Secret of SMS gateway" }).waitFor();
  assert.equal(
    await panel
      .getByRole("heading", { name: "Secret of SMS gateway" })
      .evaluate((el) => el === document.activeElement),
    true,
  );
  const secret = await panel.getByLabel("Secret of SMS gateway").inputValue();
  assert.ok(secret.length >= 16, `a secret: ${secret}`);
  const inbound = await panel.getByTestId("inbound-url").innerText();
  assert.match(inbound, new RegExp(`^${url}/api/bridges/\\d+/messages$`));
  const row = page.getByTestId("bridge").filter({ hasText: "SMS gateway" });
  await row.filter({ hasText: "http://127.0.0.1:9/sms/outbound" }).waitFor();
  await row.filter({ hasText: "0 waiting" }).waitFor();
  await checkA11y(page, "bridges");
  await panel.getByRole("button", { name: "Done" }).click();
  await panel.waitFor({ state: "detached" });

  await page.reload();
  await row.waitFor();
  assert.equal(await page.getByTestId("bridge-secret").count(), 0);
  assert.equal(
    await page.getByText(secret).count(),
    0,
    "the secret is not shown again",
  );
  await page.getByText("No dead letters").waitFor();

  assert.deepEqual(problems, []);
});
