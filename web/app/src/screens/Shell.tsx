// The signed-in frame: who is logged in, their teams (a switcher), logout,
// and the team's inbox: its dashboard and the open conversation. The
// keyboard (next, previous, the palette, help) is keys/Keyboard.tsx's.
// Other pages (a team's management, the account's, preferences) take the
// inbox's place when chosen in the page navigation (pages/). On a
// phone-sized screen the navigation hides behind a menu button and the
// inbox shows the list or the open conversation, with a Back button.
import { useEffect, useRef } from "preact/hooks";
import type { Session, TeamInfo } from "../api";
import { opening } from "../book/open";
import { useHopping } from "../keys/hopping";
import { Keyboard } from "../keys/Keyboard";
import { live } from "../live/connection";
import { useValue } from "../live/observable";
import { useAlerts } from "../live/useAlerts";
import { useTeamsFollowed } from "../live/teams";
import { PageNav } from "../pages/PageNav";
import { SCREENS } from "../pages/registry";
import { PAGES, type Page } from "../pages/route";
import { selectPage, selectTeam } from "../store";
import { ContactPanel } from "./ContactPanel";
import { Conversation } from "./Conversation";
import { Dashboard } from "./Dashboard";
import { FirstTeam } from "./FirstTeam";
import { BackButton, MenuButton, SIDEBAR_ID, useMenu } from "./Menu";
import { OnlineList } from "./Presence";
import { TopBar } from "./TopBar";

interface Props {
  session: Session;
  team: number | null;
  page: Page;
}

export function Shell({ session, team, page }: Props) {
  const current = session.teams.find((t) => t.id === team) ?? null;
  const heading = useRef<HTMLHeadingElement>(null);
  const hopping = useHopping(team);
  const { open, hint } = hopping;
  const Screen = page === "inbox" ? undefined : SCREENS[page];
  useAlerts(session, team, hopping.show);
  const menu = useMenu(team, page);
  // Settings and roles changed elsewhere show without a reload.
  useTeamsFollowed(session, team);

  // A conversation opened from another page (`j`, the palette) shows in
  // the inbox.
  const pageRef = useRef(page);
  pageRef.current = page;
  useEffect(() => {
    if (open !== null && pageRef.current !== "inbox") selectPage("inbox");
  }, [open]);

  // A conversation asked for by another page (a contact's) opens here.
  const asked = useValue(opening);
  useEffect(() => {
    if (asked === null) return;
    opening.set(null);
    hopping.show(asked);
  }, [asked]);

  // Connect once signed in (the client asks for a ticket per connection).
  useEffect(() => {
    live();
  }, []);

  // After login, focus goes to the inbox's heading, so a keyboard or
  // screen-reader user lands where work is. A team switch leaves it on the
  // switcher, to go on choosing.
  useEffect(() => {
    heading.current?.focus();
  }, []);

  return (
    <div class="shell">
      <TopBar
        session={session}
        menu={<MenuButton open={menu.open} onToggle={menu.toggle} />}
      />
      <div
        id={SIDEBAR_ID}
        class={menu.open ? "teams sidebar menu-open" : "teams sidebar"}
      >
        <nav aria-label="Teams">
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
        <PageNav session={session} team={team} page={page} />
        {current !== null && (
          <OnlineList team={current.id} me={session.user.id} />
        )}
      </div>
      {Screen !== undefined ? (
        <main class="page" aria-labelledby="page-title">
          <h1 id="page-title" tabIndex={-1}>
            {PAGES.find((p) => p.page === page)?.label}
            {current !== null &&
              PAGES.find((p) => p.page === page)?.scope === "team" && (
                <span class="muted page-team"> · {current.name}</span>
              )}
          </h1>
          <Keyboard
            team={current?.id ?? null}
            teams={session.teams}
            hopping={hopping}
            fallback={heading}
          />
          <Screen session={session} team={current} />
        </main>
      ) : (
        <main class="inbox" aria-labelledby="inbox-title">
          <h1 id="inbox-title" ref={heading} tabIndex={-1}>
            {current?.name ?? "Conversations"}
          </h1>
          <p class="muted help" id="keys-help">
            Press <kbd>?</kbd> for keyboard shortcuts.
          </p>
          <Keyboard
            team={current?.id ?? null}
            teams={session.teams}
            hopping={hopping}
            fallback={heading}
          />
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
              <Dashboard
                team={current.id}
                selected={open}
                onOpen={hopping.show}
              />
              {open !== null && (
                <BackButton
                  onBack={() => {
                    hopping.close();
                    heading.current?.focus();
                  }}
                />
              )}
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
                <ContactPanel
                  key={open}
                  team={current.id}
                  conversation={open}
                />
              )}
            </section>
          ) : session.accounts[0] !== undefined ? (
            // An account's owner without a team (a new sign-up) makes one.
            <FirstTeam account={session.accounts[0].id} />
          ) : (
            <section id="inbox" aria-label="Inbox" class="placeholder">
              {session.grants.length > 0 ? (
                <p>
                  You have been let into {session.grants.length}{" "}
                  conversation(s); they show here.
                </p>
              ) : (
                <p>When a team adds you, its conversations show here.</p>
              )}
            </section>
          )}
        </main>
      )}
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
