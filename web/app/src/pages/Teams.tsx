// The Teams page of an account, for its owner: the account's teams (from
// the session: a team's `account`), a form that creates one, and each
// team's rename and removal (PROTOCOL.md section 5: `create_team`,
// `update_team`, `remove_team`). After each change the session is read
// again (store.ts `load`), so the team switcher follows.
//
// A removal closes with 4009 every other connection that reached the team
// (this one carries on); should this one drop before the answer, the
// session read afterwards says whether the team is gone.
import { useEffect, useState } from "preact/hooks";
import { DisconnectedError } from "switchboard-client";
import type { TeamInfo } from "../api";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { getState, load } from "../store";
import { useAccount } from "./admin/AccountPicker";
import { RemoveTeam } from "./admin/RemoveTeam";
import { RenameTeam } from "./admin/RenameTeam";
import { TeamForm } from "./admin/TeamForm";
import type { PageProps } from "./registry";
import "./admin/admin.css";

export function Teams({ session }: PageProps) {
  const connected = useValue(link).state === "open";
  const { account, picker } = useAccount(session.accounts);
  const [renaming, setRenaming] = useState<number | null>(null);
  const [removing, setRemoving] = useState<TeamInfo | null>(null);
  const [news, setNews] = useState<string | null>(null);
  /** The team whose Rename button takes the focus back from its form. */
  const [refocus, setRefocus] = useState<number | null>(null);

  useEffect(() => {
    if (refocus === null) return;
    document.getElementById(`rename-${String(refocus)}`)?.focus();
    setRefocus(null);
  }, [refocus]);

  if (account === null) return <p>You own no account.</p>;
  const teams = session.teams.filter((t) => t.account === account.id);

  async function remove(team: TeamInfo): Promise<void> {
    try {
      await live().request({ type: "remove_team", team: team.id });
    } catch (failure) {
      if (!(failure instanceof DisconnectedError)) throw failure;
      // No answer: the session says whether the removal happened.
      await load();
      const now = getState();
      if (
        now.kind === "signed_in" &&
        now.session.teams.some((t) => t.id === team.id)
      )
        throw failure;
    }
    await load();
    setNews(`${team.name} was removed.`);
  }

  return (
    <div class="admin">
      {picker}
      <section aria-labelledby="teams-title">
        <h2 id="teams-title" tabIndex={-1}>
          Teams of {account.name}
        </h2>
        <p class="muted" role="status">
          {news ?? ""}
        </p>
        {teams.length === 0 ? (
          <p class="muted">This account has no teams.</p>
        ) : (
          <ul class="admin-list" data-testid="account-teams">
            {teams.map((team) => (
              <li key={team.id} data-testid="account-team">
                {renaming === team.id ? (
                  <RenameTeam
                    team={team}
                    connected={connected}
                    onDone={() => {
                      setRenaming(null);
                      setRefocus(team.id);
                    }}
                  />
                ) : (
                  <>
                    <div class="who">
                      <strong>{team.name}</strong>
                      <span class="muted">
                        #{team.handle}
                        {team.identity !== "" && ` · ${team.identity}`}
                      </span>
                    </div>
                    <div class="row-actions">
                      <button
                        type="button"
                        class="secondary"
                        id={`rename-${String(team.id)}`}
                        aria-label={`Rename ${team.name}`}
                        onClick={() => {
                          setNews(null);
                          setRenaming(team.id);
                        }}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Remove ${team.name}`}
                        disabled={!connected}
                        onClick={() => {
                          setNews(null);
                          setRemoving(team);
                        }}
                      >
                        Remove
                      </button>
                    </div>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <TeamForm
        account={account.id}
        connected={connected}
        onCreated={(name) => {
          setNews(`${name} was created.`);
        }}
      />
      {removing !== null && (
        <RemoveTeam
          team={removing}
          onRemove={() => remove(removing)}
          onClose={() => {
            setRemoving(null);
          }}
        />
      )}
    </div>
  );
}
