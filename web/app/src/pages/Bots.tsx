// The Bots page of a team, for its Managers and the account's owner: the
// team's bots (revoked ones too), a form that creates one and shows its
// token this once, and Revoke behind a confirmation (PROTOCOL.md section
// 5: `bots`, `create_bot`, `revoke_bot`).
//
// The list is asked again on a change of team, on a reconnect and after
// every create or revoke; an answer for another team is never shown.
import { useEffect, useState } from "preact/hooks";
import type { BotInfo } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { BotForm, type Created } from "./admin/BotForm";
import { useLiveRead } from "../live/read";
import { formatWhen, reasonOf } from "./admin/common";
import { TokenPanel } from "./admin/TokenPanel";
import { Confirm } from "./Confirm";
import type { PageProps } from "./registry";
import "./admin/admin.css";

const SCOPES: Record<BotInfo["scope"], string> = {
  read: "Read only",
  read_write: "Read and write",
  bridge: "Bridge",
};

export function Bots({ team }: PageProps) {
  const connected = useValue(link).state === "open";
  const [asked, setAsked] = useState(0);
  const [created, setCreated] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<BotInfo | null>(null);
  const teamId = team?.id ?? null;
  const { value: bots, error: problem } = useLiveRead(
    teamId === null
      ? null
      : () =>
          live()
            .request({ type: "bots", team: teamId })
            .then((reply) => ({ team: teamId, list: reply.bots })),
    [teamId, asked],
    reasonOf,
  );

  // A token belongs to the team it was made in: gone with a team switch.
  useEffect(() => {
    setCreated(null);
  }, [teamId]);

  if (team === null) return <p>Choose a team to see its bots.</p>;
  const list = bots?.team === team.id ? bots.list : null;

  return (
    <div class="admin">
      <p class="muted">
        A bot is a program that works in this team with a token of its own: an
        SMS gateway, an echo bot. Its messages carry its name.
      </p>
      {created !== null && (
        <TokenPanel
          created={created}
          onDone={() => {
            setCreated(null);
            document.getElementById("bots-title")?.focus();
          }}
        />
      )}
      <BotForm
        team={team.id}
        connected={connected}
        onCreated={(made) => {
          setCreated(made);
          setAsked((n) => n + 1);
        }}
      />
      <section aria-labelledby="bots-title" aria-busy={list === null}>
        <h2 id="bots-title" tabIndex={-1}>
          Bots of {team.name}
        </h2>
        {problem !== null && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        {list === null ? (
          problem === null && (
            <p class="muted" role="status">
              {connected ? "Loading the bots…" : "Connecting…"}
            </p>
          )
        ) : list.length === 0 ? (
          <p class="muted">This team has no bots yet.</p>
        ) : (
          <ul class="admin-list" data-testid="bots">
            {list.map((bot) => (
              <li key={bot.id} data-testid="bot">
                <div class="who">
                  <strong>{bot.name}</strong>
                  <span class="muted">
                    {SCOPES[bot.scope]} · created {formatWhen(bot.created_at)}
                  </span>
                </div>
                <span class={bot.revoked ? "state revoked" : "state active"}>
                  {bot.revoked ? "Revoked" : "Active"}
                </span>
                {!bot.revoked && (
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`Revoke ${bot.name}`}
                    disabled={!connected}
                    onClick={() => {
                      setRevoking(bot);
                    }}
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {revoking !== null && (
        <Confirm
          title={`Revoke ${revoking.name}?`}
          action="Revoke bot"
          fallback="bots-title"
          onConfirm={async () => {
            await live().request({
              type: "revoke_bot",
              team: revoking.team,
              bot: revoking.id,
            });
            setAsked((n) => n + 1);
          }}
          onClose={() => {
            setRevoking(null);
          }}
        >
          Its connections close at once and its token stops working for good. To
          run it again, create a new bot.
        </Confirm>
      )}
    </div>
  );
}
