// A report (`ReportInfo`, PROTOCOL.md section 7) as the page shows it:
// named sections of labelled counts, and the two duration figures. The
// charts, the tables and the CSV are all drawn from these, so they
// cannot disagree.
import type { Durations, ReportInfo } from "switchboard-client";
import { statusLabel, teamLabel, userLabel } from "./format";

/** One bar, one table row, one CSV line. */
export interface CountRow {
  label: string;
  count: number;
}

/** A breakdown of counts: outcomes by something, or conversations. */
export interface CountSection {
  id: string;
  title: string;
  /** The heading of the table's label column. */
  column: string;
  /** What the section says when it has no row. */
  empty: string;
  rows: CountRow[];
}

/** First response or wait. */
export interface DurationSection {
  id: "first_response" | "wait";
  title: string;
  /** What one measurement is, for "measured over N ...". */
  unit: string;
  durations: Durations;
}

/** What the report's ids are called. */
export interface Names {
  teams: readonly { id: number; name: string }[];
  users: ReadonlyMap<number, string>;
}

/** The breakdowns, in the order the page shows them. */
export function countSections(
  report: ReportInfo,
  names: Names,
): CountSection[] {
  const { outcomes } = report;
  const none = "No outcome in this period.";
  return [
    {
      id: "by_status",
      column: "Status",
      title: "Outcomes by status",
      empty: none,
      rows: outcomes.by_status.map((r) => ({
        label: statusLabel(r.status),
        count: r.count,
      })),
    },
    {
      id: "by_user",
      column: "Person",
      title: "Outcomes by person",
      empty: none,
      rows: outcomes.by_user.map((r) => ({ label: r.name, count: r.count })),
    },
    {
      id: "by_team",
      column: "Team",
      title: "Outcomes by team",
      empty: none,
      rows: outcomes.by_team.map((r) => ({
        label: teamLabel(r.team, names.teams),
        count: r.count,
      })),
    },
    {
      id: "by_destination",
      column: "Delivered to",
      title: "Outcomes by destination",
      empty: none,
      rows: outcomes.by_destination.map((r) => ({
        label:
          r.to.type === "user"
            ? userLabel(r.to.user, names.users)
            : `${teamLabel(r.to.team, names.teams)} (team)`,
        count: r.count,
      })),
    },
    {
      id: "conversations",
      column: "Status",
      title: "Conversations by status",
      empty: "No conversation yet.",
      rows: report.conversations.map((r) => ({
        label: r.status,
        count: r.count,
      })),
    },
  ];
}

/** First response and wait. */
export function durationSections(report: ReportInfo): DurationSection[] {
  return [
    {
      id: "first_response",
      title: "First response",
      unit: "conversation",
      durations: report.first_response,
    },
    { id: "wait", title: "Wait", unit: "wait", durations: report.wait },
  ];
}

/** The percentiles a duration section shows, in order. */
export const PERCENTILES = [
  { key: "p50", label: "Median (p50)" },
  { key: "p90", label: "p90" },
  { key: "p99", label: "p99" },
] as const;
