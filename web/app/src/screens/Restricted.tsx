// A Restricted Member's frame: no teams, so no dashboard; only the
// conversations they were let into (the session's grants), each opened in
// the conversation view agents use, with the contact panel beside it (a
// Restricted Member may edit the contact of a conversation they accepted).
// The newest grant is open at first: it is the one an invitation just let
// them into.
//
// Grants change behind the page's back (accepted elsewhere, revoked): the
// server then closes the connection with 4009 and the client reconnects;
// when the new welcome lists other grants than the session, the session is
// read again, so a revoked conversation leaves the screen at once.
import { useEffect, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import type { GrantInfo, Session } from "../api";
import { live } from "../live/connection";
import { load } from "../store";
import { ContactPanel } from "./ContactPanel";
import { Conversation } from "./Conversation";
import { TopBar } from "./TopBar";

export function Restricted({ session }: { session: Session }) {
  const grants = session.grants;
  const [open, setOpen] = useState<Id | null>(
    grants[grants.length - 1]?.conversation ?? null,
  );
  const shown = grants.find((g) => g.conversation === open) ?? null;

  useEffect(() => {
    const client = live();
    return client.on("welcome", (welcome) => {
      // Added to a team meanwhile: the shell takes over.
      if (
        welcome.teams.length > 0 ||
        !sameGrants(welcome.grants ?? [], session.grants)
      )
        void load();
    });
  }, [session]);

  return (
    <div class="shell">
      <TopBar session={session} />
      <nav class="teams" aria-label="Your conversations">
        <h2 class="label">Your conversations</h2>
        {grants.length === 0 ? (
          <p class="muted" data-testid="no-grants">
            You have no conversation open to you now.
          </p>
        ) : (
          <ul>
            {grants.map((g) => (
              <li key={g.conversation}>
                <button
                  type="button"
                  class="team"
                  data-testid="grant"
                  aria-current={g.conversation === open ? "true" : undefined}
                  onClick={() => {
                    setOpen(g.conversation);
                  }}
                >
                  {g.contact ?? `Conversation ${String(g.conversation)}`}
                </button>
              </li>
            ))}
          </ul>
        )}
      </nav>
      <main class="inbox" aria-label="Granted conversation">
        {shown !== null ? (
          <section class="panes single with-panel">
            <Conversation
              key={shown.conversation}
              team={shown.team}
              conversation={shown.conversation}
              me={session.user.id}
            />
            <ContactPanel
              key={`contact-${String(shown.conversation)}`}
              team={shown.team}
              conversation={shown.conversation}
            />
          </section>
        ) : (
          <p class="muted placeholder">
            {grants.length === 0
              ? "When someone invites you into a conversation, it shows here."
              : "Open a conversation from the list."}
          </p>
        )}
      </main>
    </div>
  );
}

function sameGrants(a: readonly GrantInfo[], b: readonly GrantInfo[]): boolean {
  const key = (g: GrantInfo) => `${String(g.team)}:${String(g.conversation)}`;
  const left = new Set(a.map(key));
  return left.size === b.length && b.every((g) => left.has(key(g)));
}
