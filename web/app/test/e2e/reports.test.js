// The Reports page, end to end. Activity is made in the Recruiting team
// over the protocol: a bot, as an SMS gateway would, starts three
// conversations with contact messages; the demo Manager and Member reply
// (one reply after a wait long enough to read in seconds) and deliver,
// with statuses, without one, to people and to the other team, once
// again. Then the Manager opens Reports: for a custom period around
// today every number on the page (totals, each breakdown, percentiles
// as words and as milliseconds), in charts and in tables, equals what
// the server answers to the same `report` asked over a raw connection,
// and so does the CSV download; a period with no activity shows none.
// The Member has no Reports in his navigation, and its address typed by
// him lands on his inbox.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import {
  checkA11y,
  DEMO,
  launchBrowser,
  needsBrowser,
  screenshot,
  signIn,
  startServer,
} from "./harness.js";
import { connect } from "./raw.js";
import {
  assertShows,
  expectedRows,
  periodMillis,
  pickDates,
} from "./reports-page.js";

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

const MEMBER = { email: "sam@demo.switchboard.test", name: "Sam Member" };
const TEAM = "Recruiting";
const OTHER_TEAM = DEMO.teams[1];

test("Reports: the server's figures for a period, on the page and in the CSV; not for a Member", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signIn(chromium.browser, server.url, DEMO);
  const sam = await signIn(chromium.browser, server.url, MEMBER);

  // ---- Activity in Recruiting ----
  let mayaRaw = await connect(maya.page);
  const samRaw = await connect(sam.page);
  const session = await maya.page.evaluate(async () =>
    (await fetch("/api/session")).json(),
  );
  /** @type {Map<number, string>} */
  const teams = new Map(
    session.teams.map((/** @type {any} */ t) => [t.id, t.name]),
  );
  const team = session.teams.find((/** @type {any} */ t) => t.name === TEAM).id;
  const members = await mayaRaw.call({ type: "members", team });
  /** @type {Map<number, string>} */
  const users = new Map(
    members.members.map((/** @type {any} */ m) => [m.user.id, m.user.name]),
  );
  const bot = await mayaRaw.call({
    type: "create_bot",
    team,
    name: "SMS gateway",
    scope: "read_write",
  });
  const gateway = await connect(maya.page, bot.token);
  let sent = 0;
  /**
   * @param {{call: (r: Record<string, unknown>) => Promise<any>}} who
   * @param {number} conversation
   * @param {string} body
   * @param {boolean} [asContact]
   */
  const say = (who, conversation, body, asContact = false) =>
    who.call({
      type: "send",
      conversation,
      client_msg_id: `reports-${String((sent += 1))}`,
      body,
      ...(asContact ? { as_contact: true } : {}),
    });
  /** @type {Record<string, number>} */
  const conv = {};
  for (const name of ["Ava Stone", "Ben Okafor", "Cleo Park"]) {
    const started = await gateway.call({
      type: "start_conversation",
      team,
      contact: { name },
    });
    conv[name] = started.id;
    await say(gateway, started.id, `Hello, this is ${name}.`, true);
  }
  // A reply that takes over a second, so a percentile reads in seconds.
  await maya.page.waitForTimeout(1200);
  await say(mayaRaw, Number(conv["Ava Stone"]), "Hi Ava, how can I help?");
  await say(mayaRaw, Number(conv["Ben Okafor"]), "Hi Ben!");
  await say(samRaw, Number(conv["Cleo Park"]), "Hi Cleo, Sam here.");
  await say(gateway, Number(conv["Ava Stone"]), "When do I start?", true);
  await say(mayaRaw, Number(conv["Ava Stone"]), "Monday.");
  /** @type {[typeof mayaRaw, string, Record<string, string>, string | null][]} */
  const deliveries = [
    [mayaRaw, "Ava Stone", { type: "user", handle: "sam" }, "hired"],
    [mayaRaw, "Ben Okafor", { type: "team", handle: "support" }, "qualified"],
    [samRaw, "Cleo Park", { type: "user", handle: "maya" }, null],
    [mayaRaw, "Ava Stone", { type: "user", handle: "riley" }, "hired"],
  ];
  for (const [who, name, to, status] of deliveries) {
    await who.call({
      type: "deliver",
      conversation: conv[name],
      to,
      ...(status === null ? {} : { status }),
    });
  }
  // The Member is refused the figures by the server itself.
  const refusal = await samRaw.refused({ type: "report", team });
  assert.equal(refusal.type, "error");
  assert.equal(refusal.code, "forbidden");
  await gateway.close();
  await samRaw.close();

  // ---- The Manager's Reports ----
  const page = maya.page;
  await page.getByRole("button", { name: new RegExp(`^${TEAM}`) }).click();
  await page
    .getByRole("navigation", { name: "Pages" })
    .getByRole("link", { name: "Reports" })
    .click();
  await page.getByRole("heading", { level: 1, name: /Reports/ }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/teams/${String(team)}/reports`);

  // A custom period: yesterday and today (the page's days).
  const today = await page.evaluate(() => {
    const d = new Date();
    /** @param {number} n */
    const day = (n) => {
      const x = new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
      return [x.getFullYear(), x.getMonth() + 1, x.getDate()]
        .map((v, i) => String(v).padStart(i === 0 ? 4 : 2, "0"))
        .join("-");
    };
    return { yesterday: day(-1), today: day(0) };
  });
  await pickDates(page, today.yesterday, today.today);
  await page.waitForURL(
    (url) =>
      url.searchParams.get("from") === today.yesterday &&
      url.searchParams.get("to") === today.today,
  );
  const period = await periodMillis(page, today.yesterday, today.today);
  const report = await mayaRaw.call({ type: "report", team, ...period });
  // The activity made above is in it.
  assert.equal(report.outcomes.total, 4);
  assert.equal(report.first_response.count, 3);
  assert.equal(report.wait.count, 4);
  assert.ok(report.first_response.p99 >= 1000, "a reply took over a second");
  await page
    .getByTestId("report-totals")
    .getByText(String(report.outcomes.total), { exact: true })
    .waitFor();
  await page.locator('.reports[aria-busy="false"]').waitFor();
  await assertShows(page, report, users, teams);
  await screenshot(page, "reports");
  await checkA11y(page, "reports");

  // The CSV: the same numbers, one row per figure.
  const [saved] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  assert.equal(
    saved.suggestedFilename(),
    `report-recruiting-${today.yesterday}-to-${today.today}.csv`,
  );
  const csv = await readFile(await saved.path(), "utf8");
  const lines = csv.trimEnd().split("\r\n");
  const rows = expectedRows(report, users, teams);
  const titles = {
    by_status: "Outcomes by status",
    by_user: "Outcomes by person",
    by_team: "Outcomes by team",
    by_destination: "Outcomes by destination",
    conversations: "Conversations by status",
  };
  /** @param {number | null} v */
  const ms = (v) => (v === null ? "" : String(v));
  assert.deepEqual(lines, [
    "section,item,value",
    `period,from,${today.yesterday}`,
    `period,to,${today.today}`,
    `period,team,${TEAM}`,
    `outcomes,total,${String(report.outcomes.total)}`,
    ...Object.entries(titles).flatMap(([id, title]) =>
      (rows[/** @type {keyof typeof rows} */ (id)] ?? []).map(
        ([label, count]) => `${title},${String(label)},${String(count)}`,
      ),
    ),
    ...[
      ["First response", report.first_response],
      ["Wait", report.wait],
    ].flatMap(([title, d]) => [
      `${String(title)},count,${String(d.count)}`,
      `${String(title)},p50_ms,${ms(d.p50)}`,
      `${String(title)},p90_ms,${ms(d.p90)}`,
      `${String(title)},p99_ms,${ms(d.p99)}`,
    ]),
  ]);

  // A reload keeps the period (it is the address's).
  await page.reload();
  await page.getByTestId("report-totals").waitFor();
  // The reload closed the raw connection with the page's scripts.
  mayaRaw = await connect(page);
  await page.locator('.reports[aria-busy="false"]').waitFor();
  await assertShows(page, report, users, teams);

  // A preset: the last 7 days hold the same activity.
  await page.getByRole("button", { name: "Last 7 days" }).click();
  await page.waitForURL((url) => url.searchParams.get("period") === "7d");
  const week = await periodMillis(
    page,
    ...(await page.evaluate(() => {
      const d = new Date();
      /** @param {Date} x */
      const day = (x) =>
        [x.getFullYear(), x.getMonth() + 1, x.getDate()]
          .map((v, i) => String(v).padStart(i === 0 ? 4 : 2, "0"))
          .join("-");
      return /** @type {[string, string]} */ ([
        day(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 6)),
        day(d),
      ]);
    })),
  );
  const weekly = await mayaRaw.call({ type: "report", team, ...week });
  await page.locator('.reports[aria-busy="false"]').waitFor();
  await assertShows(page, weekly, users, teams);

  // A period with no activity: no outcome, nothing measured.
  await pickDates(page, "2020-01-01", "2020-01-31");
  await page
    .getByTestId("report-by_status")
    .getByText("No outcome in this period.")
    .waitFor();
  const empty = await mayaRaw.call({
    type: "report",
    team,
    ...(await periodMillis(page, "2020-01-01", "2020-01-31")),
  });
  assert.equal(empty.outcomes.total, 0);
  await page.locator('.reports[aria-busy="false"]').waitFor();
  await assertShows(page, empty, users, teams);
  // Dates out of order are refused on the page, the figures kept.
  await page.getByLabel("From", { exact: true }).fill("2020-02-01");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: "The start date must be on or before the end date." })
    .waitFor();
  await pickDates(page, today.yesterday, today.today);
  await page.locator('.reports[aria-busy="false"]').waitFor();
  await assertShows(page, report, users, teams);

  // At a phone's size.
  await page.setViewportSize({ width: 390, height: 844 });
  await checkA11y(page, "reports-phone");
  await screenshot(page, "reports-phone");
  await page.getByRole("button", { name: "Tables" }).click();
  await checkA11y(page, "reports-tables-phone");
  await page.setViewportSize({ width: 1200, height: 760 });
  await checkA11y(page, "reports-tables");
  await screenshot(page, "reports-tables");
  await mayaRaw.close();

  // ---- The Member: no Reports ----
  await sam.page.getByRole("button", { name: new RegExp(`^${TEAM}`) }).click();
  await sam.page.getByRole("heading", { level: 1, name: TEAM }).waitFor();
  assert.equal(
    await sam.page.getByRole("link", { name: "Reports" }).count(),
    0,
  );
  await sam.page.goto(`${server.url}/teams/${String(team)}/reports`);
  await sam.page.getByRole("heading", { level: 1, name: TEAM }).waitFor();
  assert.equal(new URL(sam.page.url()).pathname, `/teams/${String(team)}`);
  assert.equal(await sam.page.getByText("Outcomes by status").count(), 0);

  // The other team's name shows where Recruiting delivered to it.
  assert.ok(
    expectedRows(report, users, teams).by_destination.some(
      ([label]) => label === `${OTHER_TEAM} (team)`,
    ),
  );
  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
  await maya.context.close();
  await sam.context.close();
});
