// Blasts end to end, as the demo Member (Sam). He adds contacts to the
// Recruiting book (four tagged "fair", one not), composes a blast to the
// tag: the preview counts four and shows three messages rendered with
// their first names (an unknown placeholder is pointed at and blocks the
// send); "Send now" double-clicked sends one blast; its page follows the
// progress to the end and lists every recipient as sent. A second blast
// to thirty contacts is paused (its count stops), resumed, and cancelled
// after a confirmation (Escape first closes the dialog and gives the
// focus back): it ends cancelled with some contacts never messaged.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  checkA11y,
  launchBrowser,
  MEMBER,
  needsBrowser,
  pageLink,
  screenshot,
  signedInOnDashboard,
  startServer,
} from "./harness.js";
import { connect } from "./raw.js";

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

const FAIR = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"];
/** Long enough, at the team's rate (one a second), to pause and cancel. */
const BIG = 30;
/** A blast of four at one a second ends well within this. */
const BLAST_MS = 30_000;

test("blasts: compose with a live preview, send once, follow it to the end; pause, resume, cancel", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const { page, problems } = await signedInOnDashboard(
    chromium.browser,
    server.url,
    MEMBER,
  );

  // The book: four contacts tagged "fair", one tagged otherwise, and
  // thirty tagged "big" for the second blast.
  const raw = await connect(page);
  const session = await page.evaluate(async () =>
    (await fetch("/api/session")).json(),
  );
  const team = session.teams.find(
    (/** @type {{name: string}} */ x) => x.name === "Recruiting",
  ).id;
  // Each with a phone: a blast starts a conversation with a contact who
  // has none yet through their phone or email.
  for (const [i, name] of FAIR.entries())
    await raw.call({
      type: "create_contact",
      team,
      contact: { name, tags: ["fair"], phones: [`+1415555010${String(i)}`] },
    });
  await raw.call({
    type: "create_contact",
    team,
    contact: { name: "Barbara Liskov", tags: ["other"] },
  });
  for (let i = 1; i <= BIG; i += 1)
    await raw.call({
      type: "create_contact",
      team,
      contact: {
        name: `Big Contact${String(i)}`,
        tags: ["big"],
        emails: [`big${String(i)}@example.com`],
      },
    });

  await pageLink(page, "Blasts").click();
  await page.getByText("No blasts yet.").waitFor();
  await page.getByRole("button", { name: "New blast" }).click();
  const composer = page.getByRole("form", { name: "New blast" });
  await assert.doesNotReject(
    composer.getByLabel("Name").evaluate((el) => {
      if (el !== document.activeElement) throw new Error("name not focused");
    }),
  );
  await composer.getByLabel("Name").fill("Spring fair");
  await composer.getByLabel("Tag").fill("fair");
  const message = composer.getByLabel("Message");

  // An unknown placeholder is pointed at, and nothing can be sent.
  await message.fill("Hi {{nickname}}!");
  await composer
    .getByRole("alert")
    .filter({ hasText: "Unknown placeholder: {{nickname}}" })
    .waitFor();
  assert.equal(
    await composer.getByRole("button", { name: "Send now" }).isDisabled(),
    true,
  );

  await message.fill("Hi {{first_name|there}}, see you at the fair!");
  const preview = page.getByTestId("blast-preview");
  await preview
    .getByTestId("preview-count")
    .filter({ hasText: "4 contacts will get it" })
    .waitFor();
  const samples = preview.getByTestId("preview-sample");
  assert.equal(await samples.count(), 3);
  const bodies = await samples.allInnerTexts();
  for (const body of bodies) {
    const first = FAIR.find((name) => body.includes(`To ${name}`))?.split(
      " ",
    )[0];
    assert.ok(first !== undefined, `a sample to a "fair" contact: ${body}`);
    assert.ok(
      body.includes(`Hi ${first}, see you at the fair!`),
      `rendered with the first name: ${body}`,
    );
  }
  await checkA11y(page, "blast-composer");
  await screenshot(page, "blast-composer");

  // A double click sends one blast; its page opens and follows it.
  await composer.getByRole("button", { name: "Send now" }).dblclick();
  await page.getByRole("heading", { name: "Spring fair" }).waitFor();
  const progress = page.getByTestId("blast-progress");
  await progress
    .getByTestId("blast-status")
    .filter({ hasText: "Finished" })
    .waitFor({ timeout: BLAST_MS });
  assert.equal(await progress.getByTestId("blast-done").innerText(), "4 of 4");
  const rows = page.getByTestId("blast-results").getByTestId("recipient");
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="recipient"]')].filter((r) =>
        r.textContent?.includes("Sent"),
      ).length === 4,
  );
  assert.deepEqual(
    (await rows.allInnerTexts()).map((r) => r.split("\t")[0]?.trim()).sort(),
    [...FAIR].sort(),
  );
  await screenshot(page, "blast-results");
  await checkA11y(page, "blast-results");

  const listed = await raw.call({ type: "blasts", team });
  assert.equal(
    listed.blasts.filter(
      (/** @type {{name: string}} */ b) => b.name === "Spring fair",
    ).length,
    1,
    "a double click sent one blast",
  );

  // Back on the list: the blast shows finished.
  await page.getByRole("button", { name: "Back to blasts" }).click();
  await page
    .getByTestId("blast")
    .filter({ hasText: "Spring fair" })
    .getByTestId("blast-status")
    .filter({ hasText: "Finished" })
    .waitFor();

  // The second blast: paused, resumed, cancelled.
  await page.getByRole("button", { name: "New blast" }).click();
  await composer.getByLabel("Name").fill("Big one");
  await composer.getByLabel("Tag").fill("big");
  await composer.getByLabel("Message").fill("Hello {{name}}");
  await preview
    .getByTestId("preview-count")
    .filter({ hasText: `${String(BIG)} contacts will get it` })
    .waitFor();
  await composer.getByRole("button", { name: "Send now" }).click();
  await page.getByRole("heading", { name: "Big one" }).waitFor();
  await progress
    .getByTestId("blast-status")
    .filter({ hasText: "Sending" })
    .waitFor();
  await page.getByRole("button", { name: "Pause" }).click();
  await progress
    .getByTestId("blast-status")
    .filter({ hasText: "Paused" })
    .waitFor();
  const id = (await raw.call({ type: "blasts", team })).blasts.find(
    (/** @type {{name: string}} */ b) => b.name === "Big one",
  ).id;
  const paused = await raw.call({ type: "blast", team, blast: id });
  assert.equal(paused.info.status, "paused");
  // Paused, nothing more goes out: the count two seconds later is the same.
  await page.waitForTimeout(2000);
  const still = await raw.call({ type: "blast", team, blast: id });
  assert.equal(
    still.info.sent,
    paused.info.sent,
    "a paused blast sends nothing",
  );

  await page.getByRole("button", { name: "Resume" }).click();
  await progress
    .getByTestId("blast-status")
    .filter({ hasText: "Sending" })
    .waitFor();

  // Cancel asks first: Escape closes the question, the focus comes back.
  const cancel = page.getByRole("button", { name: "Cancel blast" });
  await cancel.click();
  const dialog = page.getByRole("dialog", { name: "Cancel Big one?" });
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(
    await cancel.evaluate((el) => el === document.activeElement),
    true,
  );
  await cancel.click();
  await dialog.getByRole("button", { name: "Cancel blast" }).click();
  await progress
    .getByTestId("blast-status")
    .filter({ hasText: "Cancelled" })
    .waitFor();
  assert.equal(await page.getByRole("button", { name: "Pause" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Resume" }).count(), 0);
  const cancelled = await raw.call({ type: "blast", team, blast: id });
  assert.equal(cancelled.info.status, "cancelled");
  assert.ok(
    cancelled.info.sent < BIG,
    `cancelled before the end: ${String(cancelled.info.sent)} of ${String(BIG)}`,
  );
  assert.ok(
    cancelled.recipients.some(
      (/** @type {{state: string}} */ r) => r.state === "pending",
    ) || cancelled.recipients.length < BIG,
    "some contacts were never messaged",
  );

  assert.deepEqual(problems, []);
});
