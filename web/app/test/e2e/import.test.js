// Import and export end to end. The demo Manager (Maya) defines a custom
// contact field (City) in the team settings, then imports a CSV of 1,203
// lines: 1,200 new people, one repeating an email (merged), two with a
// bad phone and a bad email (rejected). The mapping screen is prefilled
// from the header's words (City to the new field); the dry run reports
// what would happen with the rejected lines and their reasons, and
// changes nothing; the run's progress bar moves with the server's
// `import_progress` events to the end, and the summary gives the same
// counts; the record of imports shows the run and the dry run. The book
// then finds the imported people by the custom field,
// and the contacts export downloads a CSV holding them.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import {
  checkA11y,
  checkA11yBothSizes,
  DEMO,
  launchBrowser,
  needsBrowser,
  pageLink,
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

const PEOPLE = 1200;

/** The CSV: a header, PEOPLE new people, a repeat, two bad rows. */
function csv() {
  const lines = ["Full name,Mobile,E-mail,Labels,City"];
  for (let i = 0; i < PEOPLE; i += 1) {
    const n = String(i).padStart(4, "0");
    lines.push(
      `Person ${n},+1 415 555 ${n},person${n}@example.com,"imported, batch",${i % 2 === 0 ? "Porto" : "Lisbon"}`,
    );
  }
  // Line PEOPLE + 2: the same email as Person 0007 -> merged.
  lines.push(`"Seven, again",,PERSON0007@example.com,vip,Porto`);
  // Lines PEOPLE + 3 and + 4: rejected.
  lines.push(`Bad Phone,not a phone,badphone@example.com,,Porto`);
  lines.push(`Bad Email,,not-an-email,,Porto`);
  return `${lines.join("\n")}\n`;
}

test("import: mapping, dry run, progress and summary; then the export downloads what was imported", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signIn(chromium.browser, server.url, DEMO);
  const page = maya.page;

  // A custom field, defined by the Manager.
  await pageLink(page, "Team settings").click();
  await page.getByRole("button", { name: "Add a field" }).click();
  await page.locator("#field-def-0-key").fill("city");
  await page.locator("#field-def-0-label").fill("City");
  await page.getByRole("button", { name: "Save fields" }).click();
  await page
    .getByTestId("field-defs-state")
    .filter({ hasText: "Saved" })
    .waitFor();

  // The file, and its mapping prefilled from the header.
  await pageLink(page, "Import and export").click();
  await page.getByLabel("CSV file").setInputFiles({
    name: "candidates.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv()),
  });
  const mapping = page.getByRole("form", { name: "Column mapping" });
  await mapping.waitFor();
  assert.equal(await mapping.getByLabel("Full name").inputValue(), "name");
  assert.equal(await mapping.getByLabel("Mobile").inputValue(), "phone");
  assert.equal(await mapping.getByLabel("E-mail").inputValue(), "email");
  assert.equal(await mapping.getByLabel("City").inputValue(), "field:city");
  // Changed by hand: Labels holds several tags.
  await mapping.getByLabel("Labels").selectOption("tags");
  await checkA11y(page, "import-mapping");

  // The dry run: counts and the rejected lines, nothing imported.
  await mapping.getByRole("button", { name: "Dry run" }).click();
  const report = page.getByTestId("import-report");
  await report.waitFor();
  const counts = report.getByTestId("import-counts");
  assert.match(
    await counts.innerText(),
    new RegExp(`Would create\\s+${PEOPLE}`),
  );
  assert.match(await counts.innerText(), /Would merge\s+1/);
  assert.match(await counts.innerText(), /Would reject\s+2/);
  const rejected = report.getByTestId("rejected-line");
  assert.equal(await rejected.count(), 2);
  assert.match(
    await rejected.nth(0).innerText(),
    new RegExp(`^${PEOPLE + 3}\\s+.*phone`, "i"),
  );
  assert.match(
    await rejected.nth(1).innerText(),
    new RegExp(`^${PEOPLE + 4}\\s+.*email`, "i"),
  );
  await screenshot(page, "import-report");
  await checkA11yBothSizes(page, "import-report");

  // The run: the progress bar's values are recorded as they change.
  await page.evaluate(() => {
    const seen = /** @type {number[]} */ ([]);
    Object.assign(window, { progressSeen: seen });
    new MutationObserver(() => {
      const bar = document.querySelector("#import-bar");
      if (bar instanceof HTMLProgressElement) seen.push(bar.value);
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
  });
  await report.getByRole("button", { name: "Run the import" }).click();
  const summary = page.getByTestId("import-summary");
  await summary.waitFor({ timeout: 60_000 });
  const done = summary.getByTestId("import-counts");
  assert.match(await done.innerText(), new RegExp(`Created\\s+${PEOPLE}`));
  assert.match(await done.innerText(), /Merged\s+1/);
  assert.match(await done.innerText(), /Rejected\s+2/);
  assert.equal(await summary.getByTestId("rejected-line").count(), 2);
  const seen = /** @type {number[]} */ (
    await page.evaluate(() => /** @type {any} */ (window).progressSeen)
  );
  assert.ok(
    seen.includes(PEOPLE + 3),
    `the bar reached the last line: saw ${JSON.stringify(seen.slice(-5))}`,
  );
  await screenshot(page, "import-summary");
  // The record, for Managers: the dry run and the run, by Maya.
  const log = page.getByTestId("import-log");
  await log
    .getByRole("row")
    .filter({ hasText: DEMO.name })
    .filter({ hasText: String(PEOPLE + 1) })
    .filter({ hasText: "done" })
    .first()
    .waitFor();
  await log.getByRole("row").filter({ hasText: "(dry run)" }).waitFor();

  // In the book: found by the custom field; the repeat merged in.
  await pageLink(page, "Contacts").click();
  await page.getByLabel("Field", { exact: true }).selectOption("city");
  await page.getByLabel("Field value").fill("Porto");
  await page.getByTestId("contact-row").first().waitFor();
  await page.getByLabel("Search contacts").fill("person0007@example.com");
  const row = page
    .getByTestId("contact-row")
    .filter({ hasText: "Person 0007" });
  await row.waitFor();
  assert.match(await row.innerText(), /vip/);

  // The export: a CSV holding the imported people.
  await pageLink(page, "Import and export").click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export contacts (CSV)" }).click(),
  ]);
  const path = await download.path();
  const exported = await readFile(path, "utf8");
  assert.match(exported.split("\n")[0] ?? "", /name/i);
  assert.match(exported, /Person 1199/);
  assert.match(exported, /\+14155551199/);

  assert.deepEqual(maya.problems, []);
});
