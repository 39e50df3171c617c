// A report as CSV, built in the browser and saved through a download
// link (a Blob's object URL: no request leaves the page).
//
// One row per figure, under the header `section,item,value`:
//
//   period,from,2026-12-01          first day, in the user's time zone
//   period,to,2026-12-07            last day, included
//   period,team,Recruiting
//   outcomes,total,3
//   Outcomes by status,hired,2      one row per status, person, team,
//   Outcomes by person,Maya,2       destination, as on the page; the
//   ...                             value is the count
//   Conversations by status,open,4
//   First response,count,2          how many were measured, then the
//   First response,p50_ms,1234      percentiles in milliseconds (empty
//   First response,p90_ms,...       when nothing was measured)
//   Wait,count,...
//
// Fields are quoted as RFC 4180 says (a name may hold a comma or a
// quote); a field that a spreadsheet would take for a formula (starting
// with = + - @ or a tab or carriage return) is prefixed with an
// apostrophe, so opening the file never runs one.
import type { CountSection, DurationSection } from "./sections";
import { PERCENTILES } from "./sections";

/** How long a download's object URL lives. */
const URL_LIFETIME_MS = 60_000;

/** The CSV text of a report. */
export function reportCsv(
  period: { from: string; to: string; team: string },
  total: number,
  counts: CountSection[],
  durations: DurationSection[],
): string {
  const rows: (string | number)[][] = [
    ["section", "item", "value"],
    ["period", "from", period.from],
    ["period", "to", period.to],
    ["period", "team", period.team],
    ["outcomes", "total", total],
  ];
  for (const section of counts) {
    for (const row of section.rows)
      rows.push([section.title, row.label, row.count]);
  }
  for (const section of durations) {
    rows.push([section.title, "count", section.durations.count]);
    for (const p of PERCENTILES) {
      rows.push([section.title, `${p.key}_ms`, section.durations[p.key] ?? ""]);
    }
  }
  return rows.map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

function field(value: string | number): string {
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Saves `text` as a file named `name`, as a download. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the Blob after the click returns: the URL is kept
  // a while, then let go (the Blob is freed with it).
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, URL_LIFETIME_MS);
}
