// The signed-in frame: who is logged in, their teams (a switcher), logout,
// and the team's inbox: its dashboard and the open conversation. `j` (or
// Alt+N anywhere) opens the conversation that most needs the user (`next`).
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import type { Session, TeamInfo } from "../api";
import { live } from "../live/connection";
import { selectTeam } from "../store";
import { ContactPanel } from "./ContactPanel";
import { Conversation } from "./Conversation";
import { Dashboard } from "./Dashboard";
import { FirstTeam } from "./FirstTeam";
import { OnlineList } from "./Presence";
import { TopBar } from "./TopBar";

interface Props {
  session: Session;
  team: number | null;
}

export function Shell({ session, team }: Props) {
  const current = session.teams.find((t) => t.id === team) ?? null;
  const heading = useRef<HTMLHeadingElement>(null);
  const [open, setOpen] = useState<Id | null>(null);
  const [hint, setHint] = useState<string | null>(null);

  // Connect once signed in (the client asks for a ticket per connection).
  useEffect(() => {
    live();
  }, []);

  useEffect(() => {
    setOpen(null);
  }, [team]);

  useEffect(() => {
    if (team === null) return;
    const current = team;
    function onKey(event: KeyboardEvent) {
      const typing =
        event.target instanceof HTMLElement &&
        event.target.closest("input, textarea, select, [contenteditable]") !==
          null;
      const hop =
        (event.altKey && event.code === "KeyN") ||
        (event.key === "j" && !typing && !event.ctrlKey && !event.metaKey);
      if (!hop) return;
      event.preventDefault();
      live()
        .request({ type: "next", team: current })
        .then((reply) => {
          if (reply.row === null) {
            setHint("Nothing needs you right now.");
          } else {
            setHint(null);
            setOpen(reply.row.conversation);
          }
        })
        .catch((failure: unknown) => {
          setHint(failure instanceof Error ? failure.message : "failed");
        });
    }
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [team]);

  // After login, focus goes to the inbox's heading, so a keyboard or
  // screen-reader user lands where work is. A team switch leaves it on the
  // switcher, to go on choosing.
  useEffect(() => {
    heading.current?.focus();
  }, []);

  return (
    <div class="shell">
      <TopBar session={session} />
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
        {current !== null && (
          <OnlineList team={current.id} me={session.user.id} />
        )}
      </nav>
      <main class="inbox" aria-labelledby="inbox-title">
        <h1 id="inbox-title" ref={heading} tabIndex={-1}>
          {current?.name ?? "Conversations"}
        </h1>
        <p class="muted help" id="keys-help">
          Keys: <kbd>j</kbd> or <kbd>Alt</kbd>+<kbd>N</kbd> opens the next
          conversation that needs you.
        </p>
        {hint !== null && (
          <p class="muted" role="status">
            {hint}
          </p>
        )}
        {current !== null ? (
          <section
            id="inbox"
            aria-label="Inbox"
            class={open !== null ? "panes with-panel" : "panes"}
          >
            <Dashboard team={current.id} selected={open} onOpen={setOpen} />
            {open !== null ? (
              <Conversation
                key={open}
                team={current.id}
                conversation={open}
                me={session.user.id}
              />
            ) : (
              <p class="muted placeholder">
                Open a conversation from the list, or press <kbd>j</kbd>.
              </p>
            )}
            {open !== null && (
              <ContactPanel key={open} team={current.id} conversation={open} />
            )}
          </section>
        ) : session.accounts[0] !== undefined ? (
          // An account's owner without a team (a new sign-up) makes one.
          <FirstTeam account={session.accounts[0].id} />
        ) : (
          <section id="inbox" aria-label="Inbox" class="placeholder">
            {session.grants.length > 0 ? (
              <p>
                You have been let into {session.grants.length} conversation(s);
                they show here.
              </p>
            ) : (
              <p>When a team adds you, its conversations show here.</p>
            )}
          </section>
        )}
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
