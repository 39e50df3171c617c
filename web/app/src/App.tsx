// The root screen: picks the screen for the session's state.
import { Invite, invitationToken } from "./screens/Invite";
import { Login } from "./screens/Login";
import { Restricted } from "./screens/Restricted";
import { Shell } from "./screens/Shell";
import { Signup } from "./screens/Signup";
import { SignupConfirm, signupToken } from "./screens/SignupConfirm";
import { usePath } from "./route";
import { load, useStore } from "./store";

// Read once: the mail's pages take the token out of the address bar.
const invitation = invitationToken();
const confirmation = signupToken();

export function App() {
  const state = useStore();
  const path = usePath();
  if (invitation !== null && path === "/invite") {
    return <Invite token={invitation} />;
  }
  if (confirmation !== null && path === "/signup/confirm") {
    return <SignupConfirm token={confirmation} />;
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
      return path === "/signup" ? <Signup /> : <Login notice={state.notice} />;
    case "signed_in":
      // A Restricted Member (no team, only grants) gets no dashboard; an
      // account's owner without a team gets the shell, to create one.
      if (
        state.session.teams.length === 0 &&
        state.session.accounts.length === 0
      )
        return <Restricted session={state.session} />;
      return (
        <Shell session={state.session} team={state.team} page={state.page} />
      );
  }
}
