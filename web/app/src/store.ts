// The app's one store: what every screen reads, changed only through the
// actions below. Screens subscribe with `useStore`; nothing else holds
// state that another screen needs.
//
// Invariants: `team` is the id of one of `session.teams`, or null when the
// user belongs to no team; `page` is one the session may see (route.ts),
// else the inbox. The address bar shows the page (pages/route.ts): a
// change of page or team pushes an entry, Back returns to it.

import { useEffect, useState } from "preact/hooks";
import {
  currentSession,
  login,
  logout,
  type Session,
  type TeamInfo,
} from "./api";
import { closeLive, live } from "./live/connection";
import { allowed, format, LINK_PATHS, parse, type Page } from "./pages/route";

export type State =
  | { kind: "loading" }
  /** The session could not be read (not a 401: the server is down, say). */
  | { kind: "failed"; message: string }
  /** `notice` says why the login form shows, when not just signed out. */
  | { kind: "signed_out"; notice?: string }
  | { kind: "signed_in"; session: Session; team: number | null; page: Page };

type Listener = (state: State) => void;

let state: State = { kind: "loading" };
const listeners = new Set<Listener>();

function set(
  next: State,
  history: "push" | "replace" = "push",
  exact = false,
): void {
  state = next;
  if (state.kind === "signed_in") showAddress(state, history, exact);
  for (const listener of listeners) listener(state);
}

/**
 * Puts the page's address in the address bar, unless it is there. A
 * deeper address of the same page (a contact of the contacts page) stays,
 * unless `exact` (the page chosen again in the navigation).
 */
function showAddress(
  current: { team: number | null; page: Page },
  how: "push" | "replace",
  exact = false,
): void {
  const address = format(current);
  if (location.pathname === address || LINK_PATHS.includes(location.pathname))
    return;
  if (!exact && format(parse(location.pathname)) === address) return;
  if (how === "push") history.pushState(null, "", address);
  else history.replaceState(null, "", address);
}

// Back and Forward: the page of the address, if the session may see it.
window.addEventListener("popstate", () => {
  if (state.kind !== "signed_in") return;
  set(routed(state.session, state.team), "replace");
});

/** The current state. */
export function getState(): State {
  return state;
}

/** The current state, re-rendering the calling component on each change. */
export function useStore(): State {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => {
      listeners.delete(setCurrent);
    };
  }, []);
  return current;
}

/** How many reads of the session were started: only the newest one counts. */
let loads = 0;

/**
 * Reads the session from the server: signed in, or the login screen. When
 * reads overlap (the page's first, and one after a sign-up confirmed), an
 * older answer never overwrites a newer one.
 */
export async function load(): Promise<void> {
  loads += 1;
  const mine = loads;
  try {
    const session = await currentSession();
    if (mine !== loads) return;
    set(
      session === null
        ? { kind: "signed_out" }
        : routed(session, state.kind === "signed_in" ? state.team : null),
      "replace",
    );
  } catch (error) {
    if (mine !== loads) return;
    set({
      kind: "failed",
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Logs in, then reads the session (the teams come with it). Throws the
 * login's ApiError, for the login screen to show; the state is unchanged.
 */
export async function signIn(email: string, password: string): Promise<void> {
  await login(email, password);
  await load();
}

/**
 * Shows the login form with a notice (a sign-up already confirmed). A read
 * of the session still on its way no longer counts, and a live connection
 * of a session open before is closed: whoever logs in next opens their own.
 */
export function askLogin(notice: string): void {
  loads += 1;
  closeLive();
  set({ kind: "signed_out", notice });
}

/** Logs out and shows the login screen. */
export async function signOut(): Promise<void> {
  // Closed first: the server closes the session's connections on logout,
  // and the client would otherwise ask for a ticket the session no longer
  // gets.
  closeLive();
  try {
    await logout();
  } catch (error) {
    live();
    throw error;
  }
  set({ kind: "signed_out" });
}

/**
 * Switches to one of the user's teams, on the same page if the user may
 * see it there (a team's members, say), else on its inbox.
 */
export function selectTeam(team: number): void {
  if (
    state.kind !== "signed_in" ||
    !state.session.teams.some((t) => t.id === team)
  )
    return;
  const page = allowed(state.page, state.session, team) ? state.page : "inbox";
  set({ ...state, team, page });
}

/**
 * Applies a team's new settings (a `team_changed` signal, or the reply
 * to this user's own `update_team`) to the session, without reading it
 * again: the team switcher and the `^deliver` statuses follow at once.
 */
export function teamChanged(team: number, change: Partial<TeamInfo>): void {
  if (state.kind !== "signed_in") return;
  const teams = state.session.teams.map((t) =>
    t.id === team ? { ...t, ...change, id: t.id, role: t.role } : t,
  );
  set({ ...state, session: { ...state.session, teams } }, "replace");
}

/** Shows a page (of the current team, for a team's page). */
export function selectPage(page: Page): void {
  if (state.kind !== "signed_in" || !allowed(page, state.session, state.team))
    return;
  set({ ...state, page }, "push", true);
}

/**
 * The signed-in state the address asks for, within what the session may
 * see: the address's team, else the one shown before, else the first.
 */
function routed(session: Session, previous: number | null): State {
  const route = parse(location.pathname);
  const team =
    session.teams.find((t) => t.id === route.team) ??
    session.teams.find((t) => t.id === previous) ??
    session.teams[0];
  const id = team?.id ?? null;
  return {
    kind: "signed_in",
    session,
    team: id,
    page: allowed(route.page, session, id) ? route.page : "inbox",
  };
}
