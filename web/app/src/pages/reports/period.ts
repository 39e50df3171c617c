// The period a report covers, as the user picks it: today, the last 7 or
// 30 days, or custom dates. Days are the user's own (the browser's time
// zone), whole days from midnight: a period ends at the midnight after
// its last day, so today's figures include everything up to now and a
// reload over the same dates asks for exactly the same report.
//
// In the address: `?period=today|7d|30d`, or `?from=YYYY-MM-DD&to=YYYY-MM-DD`
// (both days included). Anything unreadable reads as the default.

/** A period as picked. `from` and `to` are `YYYY-MM-DD`, both included. */
export type Period =
  | { kind: "today" | "7d" | "30d" }
  | { kind: "custom"; from: string; to: string };

export const DEFAULT_PERIOD: Period = { kind: "7d" };

/** The presets, in the order the picker shows them. */
export const PRESETS: readonly {
  kind: "today" | "7d" | "30d";
  label: string;
}[] = [
  { kind: "today", label: "Today" },
  { kind: "7d", label: "Last 7 days" },
  { kind: "30d", label: "Last 30 days" },
];

/** How many days each preset covers, today included. */
const PRESET_DAYS = { today: 1, "7d": 7, "30d": 30 } as const;

/** The period's first and last days, `YYYY-MM-DD`, as of `now`. */
export function daysOf(
  period: Period,
  now: Date = new Date(),
): { from: string; to: string } {
  if (period.kind === "custom") return { from: period.from, to: period.to };
  const today = dayOf(now);
  return { from: addDays(today, 1 - PRESET_DAYS[period.kind]), to: today };
}

/**
 * The period in milliseconds, as `report` takes it: from the first day's
 * midnight (inclusive) to the midnight after the last day (exclusive).
 */
export function millisOf(
  period: Period,
  now: Date = new Date(),
): { from: number; to: number } {
  const days = daysOf(period, now);
  return {
    from: midnight(days.from),
    to: midnight(addDays(days.to, 1)),
  };
}

/** Whether a custom period's dates are readable and in order. */
export function problemOf(from: string, to: string): string | null {
  if (!isDay(from) || !isDay(to)) return "Choose both a start and an end date.";
  if (from > to) return "The start date must be on or before the end date.";
  return null;
}

/** Reads the period from the address's query (`location.search`). */
export function parsePeriod(search: string): Period {
  const query = new URLSearchParams(search);
  const preset = query.get("period");
  const found = PRESETS.find((p) => p.kind === preset);
  if (found !== undefined) return { kind: found.kind };
  const from = query.get("from") ?? "";
  const to = query.get("to") ?? "";
  if (problemOf(from, to) === null) return { kind: "custom", from, to };
  return DEFAULT_PERIOD;
}

/** The address's query for a period, with its `?`. */
export function formatPeriod(period: Period): string {
  const query =
    period.kind === "custom"
      ? new URLSearchParams({ from: period.from, to: period.to })
      : new URLSearchParams({ period: period.kind });
  return `?${query.toString()}`;
}

/** A day's date, `YYYY-MM-DD`, in the browser's time zone. */
export function dayOf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${String(date.getFullYear())}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A day's start in the browser's time zone, in milliseconds. */
function midnight(day: string): number {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year ?? 0, (month ?? 1) - 1, date ?? 1).getTime();
}

function addDays(day: string, days: number): string {
  const [year, month, date] = day.split("-").map(Number);
  // The Date constructor carries over month and year ends, and a day
  // added at midnight stays on midnight across a daylight-saving change.
  return dayOf(new Date(year ?? 0, (month ?? 1) - 1, (date ?? 1) + days));
}

function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  // A real date: 2026-02-30 would roll over into March.
  return dayOf(new Date(midnight(text))) === text;
}
