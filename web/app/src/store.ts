// The app's one store: what every screen reads, changed only through the
// actions below. Screens subscribe with `useStore`; nothing else holds
// state that another screen needs.
//
// Invariant: `team` is the id of one of `session.teams`, or null when the
// user belongs to no team.

import { useEffect, useState } from "preact/hooks";
import { currentSession, login, logout, type Session } from "./api";
import { closeLive, live } from "./live/connection";

export type State =
  | { kind: "loading" }
  /** The session could not be read (not a 401: the server is down, say). */
  | { kind: "failed"; message: string }
  /** `notice` says why the login form shows, when not just signed out. */
  | { kind: "signed_out"; notice?: string }
  | { kind: "signed_in"; session: Session; team: number | null };

type Listener = (state: State) => void;

let state: State = { kind: "loading" };
const listeners = new Set<Listener>();

function set(next: State): void {
  state = next;
  for (const listener of listeners) listener(state);
}

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
    set(session === null ? { kind: "signed_out" } : signedIn(session));
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

/** Switches to one of the user's teams. */
export function selectTeam(team: number): void {
  if (
    state.kind !== "signed_in" ||
    !state.session.teams.some((t) => t.id === team)
  )
    return;
  set({ ...state, team });
}

function signedIn(session: Session): State {
  const previous = state.kind === "signed_in" ? state.team : null;
  const kept = session.teams.find((t) => t.id === previous);
  return {
    kind: "signed_in",
    session,
    team: (kept ?? session.teams[0])?.id ?? null,
  };
}
