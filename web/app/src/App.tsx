// The root screen: picks the screen for the session's state.
import { Invite, invitationToken } from "./screens/Invite";
import { Login } from "./screens/Login";
import { Restricted } from "./screens/Restricted";
import { Shell } from "./screens/Shell";
import { load, useStore } from "./store";

// Read once: the invitation page takes the token out of the address bar.
const invitation = invitationToken();

export function App() {
  const state = useStore();
  if (invitation !== null && location.pathname === "/invite") {
    return <Invite token={invitation} />;
  }
  switch (state.kind) {
    case "loading":
      return (
        <p class="center" role="status">
          Loading…
        </p>
      );
    case "failed":
      return (
        <div class="center" role="alert">
          <p>Switchboard could not load: {state.message}</p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      );
    case "signed_out":
      return <Login />;
    case "signed_in":
      // A Restricted Member (no team, only grants) gets no dashboard.
      if (state.session.teams.length === 0)
        return <Restricted session={state.session} />;
      return (
        <Shell session={state.session} team={state.team} page={state.page} />
      );
  }
}
