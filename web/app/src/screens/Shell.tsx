// The signed-in frame: who is logged in, their teams (a switcher), logout,
// and the team's inbox region that the conversation screens fill.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Session, TeamInfo } from "../api";
import { selectTeam, signOut } from "../store";

interface Props {
  session: Session;
  team: number | null;
}

export function Shell({ session, team }: Props) {
  const current = session.teams.find((t) => t.id === team) ?? null;
  const heading = useRef<HTMLHeadingElement>(null);
  const [error, setError] = useState<string | null>(null);

  // After login, focus goes to the inbox's heading, so a keyboard or
  // screen-reader user lands where work is. A team switch leaves it on the
  // switcher, to go on choosing.
  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function leave() {
    try {
      await signOut();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Switchboard</span>
        <span class="who" data-testid="user-name">
          {session.user.name}
        </span>
        <button type="button" class="secondary" onClick={() => void leave()}>
          Log out
        </button>
      </header>
      {error !== null && (
        <p class="error banner" role="alert">
          Logging out failed: {error}
        </p>
      )}
      <nav class="teams" aria-label="Teams">
        <h2 class="label">Teams</h2>
        {session.teams.length === 0 ? (
          <p class="muted">You belong to no team yet.</p>
        ) : (
          <ul>
            {session.teams.map((t) => (
              <TeamButton key={t.id} team={t} selected={t.id === team} />
            ))}
          </ul>
        )}
      </nav>
      <main class="inbox" aria-labelledby="inbox-title">
        <h1 id="inbox-title" ref={heading} tabIndex={-1}>
          {current?.name ?? "Conversations"}
        </h1>
        <section id="inbox" aria-label="Inbox" class="placeholder">
          {current !== null ? (
            <p>
              The inbox of {current.name} ({current.identity}) shows here: its
              conversations, live.
            </p>
          ) : session.grants.length > 0 ? (
            <p>
              You have been let into {session.grants.length} conversation(s);
              they show here.
            </p>
          ) : (
            <p>When a team adds you, its conversations show here.</p>
          )}
        </section>
      </main>
    </div>
  );
}

function TeamButton({ team, selected }: { team: TeamInfo; selected: boolean }) {
  return (
    <li>
      <button
        type="button"
        class="team"
        aria-current={selected ? "true" : undefined}
        onClick={() => {
          selectTeam(team.id);
        }}
      >
        <span class="team-name">{team.name}</span>
        <span class="team-role">{team.role}</span>
      </button>
    </li>
  );
}
