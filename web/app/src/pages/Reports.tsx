// The Reports page of a team, for its Managers and the account's owner:
// the figures the server computes over a period (`report`, PROTOCOL.md
// section 5): outcomes by status, person, team and destination,
// conversations by status, first response and wait percentiles; as
// charts or tables, and as a CSV download.
//
// The period is the address's (`?period=7d`, `?from=...&to=...`), so a
// reload or a shared link shows the same days. The report is asked
// again on a change of team or period, on a reconnect and on Refresh; a
// stale answer never overwrites a newer one, and figures are shown only
// under the team and period they were computed for.
import { useEffect, useState } from "preact/hooks";
import { RequestError, type ReportInfo } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { formatCount, formatDuration } from "./reports/format";
import { download, reportCsv } from "./reports/csv";
import { CountFigure, DurationFigure, type View } from "./reports/Figures";
import {
  daysOf,
  formatPeriod,
  millisOf,
  parsePeriod,
  type Period,
} from "./reports/period";
import { PeriodPicker } from "./reports/PeriodPicker";
import { countSections, durationSections } from "./reports/sections";
import type { PageProps } from "./registry";
import { format } from "./route";
import "./reports/reports.css";

export function Reports({ session, team }: PageProps) {
  const [period, setPeriod] = useState<Period>(() =>
    parsePeriod(location.search),
  );
  const [view, setView] = useState<View>("chart");
  const [report, setReport] = useState<ReportInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  /** When the report shown was answered: figures age, Refresh renews. */
  const [answeredAt, setAnsweredAt] = useState<Date | null>(null);
  const [users, setUsers] = useState<ReadonlyMap<number, string>>(new Map());
  const connected = useValue(link).state === "open";
  const teamId = team?.id ?? null;
  const { from, to } = millisOf(period);

  // The period into the address, once the address is this page's (a team
  // switch pushes the new team's address first, without the period).
  useEffect(() => {
    if (teamId === null) return;
    const path = format({ page: "reports", team: teamId });
    const query = formatPeriod(period);
    if (location.pathname === path && location.search !== query)
      history.replaceState(history.state, "", `${path}${query}`);
  }, [teamId, period]);

  useEffect(() => {
    if (teamId === null || !connected) return;
    let current = true;
    setProblem(null);
    live()
      .request({ type: "report", team: teamId, from, to })
      .then((reply) => {
        if (!current) return;
        setReport(reply);
        setAnsweredAt(new Date());
        setProblem(null);
      })
      .catch((failure: unknown) => {
        if (current) setProblem(reasonOf(failure));
      });
    // A later request supersedes this one's answer.
    return () => {
      current = false;
    };
  }, [teamId, from, to, connected, asked]);

  // Destinations name users by id: the team's members give the names.
  useEffect(() => {
    if (teamId === null || !connected) return;
    let current = true;
    live()
      .request({ type: "members", team: teamId })
      .then((reply) => {
        if (current)
          setUsers(new Map(reply.members.map((m) => [m.user.id, m.user.name])));
      })
      .catch(() => {
        // Without names, destinations read as "User #ID": still right.
      });
    return () => {
      current = false;
    };
  }, [teamId, connected]);

  if (team === null) return <p>Choose a team to see its reports.</p>;

  // An answer for another team or period is never shown as this one's:
  // while the new one is asked, the page says so.
  const shown =
    report !== null &&
    report.teams.includes(team.id) &&
    report.from === from &&
    report.to === to
      ? report
      : null;
  const names = { teams: session.teams, users };
  const counts = shown === null ? [] : countSections(shown, names);
  const durations = shown === null ? [] : durationSections(shown);
  const days = daysOf(period);

  function exportCsv() {
    if (shown === null || team === null) return;
    const text = reportCsv(
      { ...days, team: team.name },
      shown.outcomes.total,
      counts,
      durations,
    );
    download(`report-${team.handle}-${days.from}-to-${days.to}.csv`, text);
  }

  return (
    <div class="reports" aria-busy={shown === null && problem === null}>
      <PeriodPicker period={period} onChange={setPeriod} />
      <div class="report-actions">
        <div class="views" role="group" aria-label="Show as">
          {(["chart", "table"] as const).map((v) => (
            <button
              key={v}
              type="button"
              class="chip"
              aria-pressed={view === v}
              onClick={() => {
                setView(v);
              }}
            >
              {v === "chart" ? "Charts" : "Tables"}
            </button>
          ))}
        </div>
        <button
          type="button"
          class="secondary"
          disabled={!connected}
          onClick={() => {
            setAsked((n) => n + 1);
          }}
        >
          Refresh
        </button>
        <button type="button" disabled={shown === null} onClick={exportCsv}>
          Export CSV
        </button>
      </div>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {!connected && shown === null && problem === null && (
        <p class="muted" role="status">
          Connecting…
        </p>
      )}
      {shown === null ? (
        connected &&
        problem === null && (
          <p class="muted" role="status">
            Computing the report…
          </p>
        )
      ) : (
        <>
          {answeredAt !== null && (
            <p class="muted report-asof">
              Figures as of {answeredAt.toLocaleTimeString("en-GB")}.
            </p>
          )}
          <dl class="report-totals" data-testid="report-totals">
            <Total label="Outcomes" value={formatCount(shown.outcomes.total)} />
            <Total
              label="Conversations"
              value={formatCount(
                shown.conversations.reduce((sum, c) => sum + c.count, 0),
              )}
            />
            <Total
              label="First response (median)"
              value={formatDuration(shown.first_response.p50)}
            />
            <Total
              label="Wait (median)"
              value={formatDuration(shown.wait.p50)}
            />
          </dl>
          <div class="report-grid">
            {counts.map((section) => (
              <CountFigure key={section.id} section={section} view={view} />
            ))}
            <DurationFigure sections={durations} view={view} />
          </div>
        </>
      )}
    </div>
  );
}

function Total({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** What the user reads when the report cannot be had. */
function reasonOf(failure: unknown): string {
  if (failure instanceof RequestError) {
    if (failure.code === "forbidden")
      return "Only the team's Managers and the account's owner see its reports.";
    if (failure.code === "unavailable")
      return "The server is busy with other reports: press Refresh in a moment.";
    return failure.message.replace(`${failure.code}: `, "");
  }
  return failure instanceof Error ? failure.message : String(failure);
}
