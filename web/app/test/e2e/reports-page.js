// What the Reports page shows, read back and compared with a `report`
// the server answers: totals, every breakdown's rows, the percentiles in
// words and in milliseconds, in charts and in tables. The expected text
// is worked out here on its own (names from the demo, durations in
// words), not borrowed from the app.

import assert from "node:assert/strict";

/**
 * A duration as the page writes it: `850 ms`, `4.2 s`, `42 s`, `1 min
 * 30 s`, `2 h 5 min`, `3 d 4 h`; null a dash.
 * @param {number | null} ms
 */
export function words(ms) {
  if (ms === null) return "—";
  if (ms < 1000) return `${String(Math.round(ms))} ms`;
  if (ms < 9950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${String(s)} s`;
  /** @type {(a: number, u: string, b: number, v: string) => string} */
  const two = (a, u, b, v) =>
    b === 0 ? `${String(a)} ${u}` : `${String(a)} ${u} ${String(b)} ${v}`;
  if (s < 3600) return two(Math.floor(s / 60), "min", s % 60, "s");
  if (s < 86400)
    return two(Math.floor(s / 3600), "h", ((s / 60) % 60) | 0, "min");
  return two(Math.floor(s / 86400), "d", ((s / 3600) % 24) | 0, "h");
}

/**
 * What the page must show for a report: each breakdown's [label, count]
 * rows by section test id, named as the demo names them.
 * @param {any} report
 * @param {Map<number, string>} users
 * @param {Map<number, string>} teams
 */
export function expectedRows(report, users, teams) {
  const o = report.outcomes;
  /** @param {any[]} rows @param {(r: any) => string} label */
  const rows = (rows, label) => rows.map((r) => [label(r), String(r.count)]);
  return {
    by_status: rows(o.by_status, (r) => r.status ?? "No status"),
    by_user: rows(o.by_user, (r) => r.name),
    by_team: rows(o.by_team, (r) => String(teams.get(r.team))),
    by_destination: rows(o.by_destination, (r) =>
      r.to.type === "user"
        ? String(users.get(r.to.user))
        : `${String(teams.get(r.to.team))} (team)`,
    ),
    conversations: rows(report.conversations, (r) => r.status),
  };
}

/**
 * The [label, value] rows of every breakdown shown, by section, in the
 * view shown (charts or tables).
 * @param {import("playwright-core").Page} page
 * @param {"chart" | "table"} view
 */
export async function shownRows(page, view) {
  /** @type {Record<string, string[][]>} */
  const shown = {};
  for (const id of [
    "by_status",
    "by_user",
    "by_team",
    "by_destination",
    "conversations",
  ]) {
    const section = page.getByTestId(`report-${id}`);
    shown[id] =
      view === "chart"
        ? await section
            .getByTestId("bar")
            .evaluateAll((bars) =>
              bars.map((b) => [
                b.querySelector(".bar-label")?.textContent ?? "",
                b.querySelector(".bar-value")?.textContent ?? "",
              ]),
            )
        : await section
            .locator("tbody tr")
            .evaluateAll((trs) =>
              trs.map((tr) =>
                [...tr.children].map((cell) => cell.textContent ?? ""),
              ),
            );
  }
  return shown;
}

/**
 * Asserts the page shows `report`, in charts and in tables.
 * @param {import("playwright-core").Page} page
 * @param {any} report
 * @param {Map<number, string>} users
 * @param {Map<number, string>} teams
 */
export async function assertShows(page, report, users, teams) {
  const totals = await page
    .getByTestId("report-totals")
    .locator("div")
    .evaluateAll((items) =>
      items.map((d) => [
        d.querySelector("dt")?.textContent,
        d.querySelector("dd")?.textContent,
      ]),
    );
  const conversations = report.conversations.reduce(
    (/** @type {number} */ sum, /** @type {{count: number}} */ c) =>
      sum + c.count,
    0,
  );
  assert.deepEqual(totals, [
    ["Outcomes", String(report.outcomes.total)],
    ["Conversations", String(conversations)],
    ["First response (median)", words(report.first_response.p50)],
    ["Wait (median)", words(report.wait.p50)],
  ]);
  const rows = expectedRows(report, users, teams);
  const durations = page.getByTestId("report-durations");
  const measures = [
    ["first_response", "First response", "conversation"],
    ["wait", "Wait", "wait"],
  ];
  const percentiles = ["p50", "p90", "p99"];

  // Charts: each bar's label and the number beside it.
  await page.getByRole("button", { name: "Charts" }).click();
  await page
    .getByTestId("report-by_status")
    .locator("ul.bars")
    .or(page.getByTestId("report-by_status").getByText("No outcome"))
    .waitFor();
  assert.deepEqual(await shownRows(page, "chart"), rows);
  for (const [key, , unit] of measures) {
    const d = report[key];
    assert.equal(
      await durations.getByTestId(`report-${key}-count`).innerText(),
      d.count === 0
        ? "Nothing measured in this period."
        : `Measured over ${String(d.count)} ${unit}${d.count === 1 ? "" : "s"}.`,
    );
    const bars = durations.locator(`ul[aria-labelledby="report-${key}-title"]`);
    if (d.count === 0) {
      assert.equal(await bars.count(), 0);
      continue;
    }
    const shown = await bars.getByTestId("bar").evaluateAll((items) =>
      items.map((b) => {
        const value = b.querySelector("data");
        return [value?.textContent, value?.getAttribute("value")];
      }),
    );
    assert.deepEqual(
      shown,
      percentiles.map((p) => [words(d[p]), String(d[p])]),
    );
  }

  // Tables: the same numbers.
  await page.getByRole("button", { name: "Tables" }).click();
  await durations.getByRole("table").waitFor();
  const tables = await shownRows(page, "table");
  assert.deepEqual(tables, rows);
  for (const [key, title] of measures) {
    const d = report[key];
    const cells = await durations
      .getByTestId(`report-${key}-row`)
      .locator("th, td")
      .allInnerTexts();
    assert.deepEqual(cells, [
      title,
      String(d.count),
      ...percentiles.map((p) => words(d[p])),
    ]);
  }
  await page.getByRole("button", { name: "Charts" }).click();
}

/**
 * A period's first day's midnight and the midnight after its last, in
 * the page's time zone (the user's), as the page asks for them.
 * @param {import("playwright-core").Page} page
 * @param {string} from
 * @param {string} to
 */
export function periodMillis(page, from, to) {
  return page.evaluate(
    ([from, to]) => {
      /** @param {string} day @param {number} plus */
      const start = (day, plus) => {
        const [y, m, d] = day.split("-").map(Number);
        return new Date(Number(y), Number(m) - 1, Number(d) + plus).getTime();
      };
      return { from: start(String(from), 0), to: start(String(to), 1) };
    },
    [from, to],
  );
}

/**
 * Picks custom dates on the page.
 * @param {import("playwright-core").Page} page
 * @param {string} from
 * @param {string} to
 */
export async function pickDates(page, from, to) {
  const custom = page.getByRole("button", { name: "Custom" });
  if ((await custom.getAttribute("aria-pressed")) !== "true")
    await custom.click();
  await page.getByLabel("From", { exact: true }).fill(from);
  await page.getByLabel("To", { exact: true }).fill(to);
  await page.getByRole("button", { name: "Show", exact: true }).click();
}
