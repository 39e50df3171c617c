// The Usage page of an account, for its owner: what billing counts
// (`usage`, PROTOCOL.md section 5 and `UsageInfo` in section 7): seats,
// messages stored, blasts sent; and, per team, its members against the
// member limit where one is set (`members`, `max_members`).
//
// The figures are asked again on a change of account, on a reconnect and
// on Refresh; an answer for another account is never shown.
import { useEffect, useState } from "preact/hooks";
import type { UsageInfo } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { useAccount } from "./admin/AccountPicker";
import { reasonOf } from "./admin/common";
import type { PageProps } from "./registry";
import { formatCount } from "./reports/format";
import "./admin/admin.css";

/** `1 seat`, `1,234 messages`. */
function counted(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

export function Usage({ session }: PageProps) {
  const connected = useValue(link).state === "open";
  const { account, picker } = useAccount(session.accounts);
  const [usage, setUsage] = useState<UsageInfo | null>(null);
  const [members, setMembers] = useState<ReadonlyMap<number, number>>(
    new Map(),
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  const [answeredAt, setAnsweredAt] = useState<Date | null>(null);
  const accountId = account?.id ?? null;
  const teams = session.teams.filter((t) => t.account === accountId);
  const teamIds = teams.map((t) => t.id).join(",");

  useEffect(() => {
    if (accountId === null || !connected) return;
    let current = true;
    setProblem(null);
    live()
      .request({ type: "usage", account: accountId })
      .then((reply) => {
        if (!current) return;
        setUsage(reply);
        setAnsweredAt(new Date());
      })
      .catch((failure: unknown) => {
        if (current) setProblem(reasonOf(failure));
      });
    return () => {
      current = false;
    };
  }, [accountId, connected, asked]);

  // Members per team, for the member limits.
  useEffect(() => {
    if (!connected || teamIds === "") return;
    let current = true;
    const ids = teamIds.split(",").map(Number);
    Promise.all(
      ids.map((team) =>
        live()
          .request({ type: "members", team })
          .then((reply) => [team, reply.members.length] as const),
      ),
    )
      .then((counts) => {
        if (current) setMembers(new Map(counts));
      })
      .catch(() => {
        // Without counts the limits still show, the counts as a dash.
      });
    return () => {
      current = false;
    };
  }, [teamIds, connected, asked]);

  if (account === null) return <p>You own no account.</p>;
  const shown = usage?.account === account.id ? usage : null;

  return (
    <div class="admin" aria-busy={shown === null && problem === null}>
      {picker}
      <div class="admin-actions">
        <p class="muted usage-asof">
          {shown !== null && answeredAt !== null
            ? `Usage of ${account.name} as of ${answeredAt.toLocaleTimeString("en-GB")}.`
            : `Usage of ${account.name}.`}
        </p>
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
      </div>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {shown === null ? (
        problem === null && (
          <p class="muted" role="status">
            {connected ? "Counting…" : "Connecting…"}
          </p>
        )
      ) : (
        <dl class="usage-figures" data-testid="usage">
          <div>
            <dt>Seats</dt>
            <dd data-testid="usage-seats">
              {counted(shown.seats, "seat", "seats")}
            </dd>
            <dd class="muted">
              People holding a role in any team of the account, you included.
            </dd>
          </div>
          <div>
            <dt>Messages</dt>
            <dd data-testid="usage-messages">
              {counted(shown.messages, "message", "messages")}
            </dd>
            <dd class="muted">
              Stored in the account's teams; removed teams no longer count.
            </dd>
          </div>
          <div>
            <dt>Blasts</dt>
            <dd data-testid="usage-blasts">
              {counted(shown.blasts, "blast", "blasts")}
            </dd>
            <dd class="muted">This server does not send blasts yet.</dd>
          </div>
        </dl>
      )}
      <section aria-labelledby="limits-title">
        <h2 id="limits-title">Member limits</h2>
        {teams.length === 0 ? (
          <p class="muted">This account has no teams.</p>
        ) : (
          <ul class="admin-list" data-testid="usage-limits">
            {teams.map((team) => {
              const count = members.get(team.id);
              const limit = team.max_members ?? null;
              return (
                <li key={team.id}>
                  <div class="who">
                    <strong>{team.name}</strong>
                  </div>
                  <span>
                    {count === undefined
                      ? "—"
                      : counted(count, "member", "members")}
                    {limit === null
                      ? " · no limit"
                      : ` of at most ${formatCount(limit)}`}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
